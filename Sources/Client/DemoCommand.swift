import AppConnection
import ArgumentParser
import Foundation
import Logging
import Messages

/// `client demo`: the spec's three flows (start, meter values, stop) against a running stack,
/// each message shown with the hops it crossed. Exit 0 when every step happened as the spec says.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "demo", abstract: "Run the start, meter and stop flows and check them.")

    @OptionGroup var options: ClientOptions
    @Option(help: "Charger to use.") var charger: String = "CP001"
    @Option(help: "Connector to use.") var connector: Int = 1
    @Option(help: "Meter values to wait for before stopping.") var meterValues: Int = 2
    @Option(help: "Seconds before giving up.") var timeout: Double = 60

    func run() async throws {
        let logger = Logger.client()
        let connection = GatewayConnection(gatewayURL: options.resolvedGatewayURL, token: try options.resolvedToken(), logger: logger)
        let (charger, connector, meterValues) = (self.charger, self.connector, self.meterValues)
        do {
            _ = try await withTimeout(seconds: timeout) {
                try await connection.run { reader, writer in
                    try await DemoFlow(reader: reader, writer: writer).run(charger: charger, connector: connector, meterValues: meterValues)
                }
            }
            StandardOutput.write("demo passed: start, meter values and stop crossed every hop\n")
        } catch {
            FileHandle.standardError.write(Data("demo failed: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct DemoFlow {
    let reader: MessageReader
    let writer: AppWriter
    let printer = MessagePrinter()

    func show(_ hops: String, _ text: String) {
        StandardOutput.write("[\(hops)]\n")
        printer.print(text)
    }

    func run(charger: String, connector: Int, meterValues: Int) async throws {
        guard case .connected(let connected)? = try await reader.next(where: { _ in true }, observe: { show("gateway -> app", $0) }) else {
            throw ClientError.closed
        }
        StandardOutput.write("connected as user \(connected.userId)\n")

        StandardOutput.write("\n== Example 1: start charging ==\n")
        let start = try ClientMessage(action: .startCharging, payload: StartChargingData(chargerID: charger, connectorID: connector))
        show("app -> gateway -> backend POST /api/websocket/message", try JSONCoding.encodeString(start))
        try await writer.send(start)
        // The response and the pushed events travel different hops: either may come first.
        let started = try await collect([("start_charging response", Self.response), ("session_started", Self.event(.sessionStarted))])
        guard case .response(let response) = started[0], response.success else { throw ClientError.step("start_charging did not succeed") }

        StandardOutput.write("\n== Example 2: meter values ==\n")
        var lastEnergy = -1.0
        for _ in 0..<meterValues {
            guard case .sessionUpdate(let update) = try await collect([("meter_value", Self.event(.meterValue))])[0] else {
                throw ClientError.step("no meter_value")
            }
            let energy = update.data["energy_delivered"]?.doubleValue ?? -1
            guard energy > lastEnergy else { throw ClientError.step("energy_delivered did not increase") }
            lastEnergy = energy
        }

        StandardOutput.write("\n== Example 3: stop charging ==\n")
        let stop = try ClientMessage(action: .stopCharging, payload: StopChargingData(chargerID: charger))
        show("app -> gateway -> backend POST /api/websocket/message", try JSONCoding.encodeString(stop))
        try await writer.send(stop)
        let stopped = try await collect([("stop_charging response", Self.response), ("session_stopped", Self.event(.sessionStopped))])
        guard case .response(let stopResponse) = stopped[0], stopResponse.success else { throw ClientError.step("stop_charging did not succeed") }
        try await writer.close()
    }

    /// Reads messages, showing each, until every wanted one has arrived, in any order; returns
    /// them in the order asked.
    private func collect(_ wanted: [(name: String, matches: @Sendable (GatewayMessage) -> Bool)]) async throws -> [GatewayMessage] {
        var found = [GatewayMessage?](repeating: nil, count: wanted.count)
        while found.contains(where: { $0 == nil }) {
            guard let text = try await reader.next() else {
                let missing = zip(wanted, found).filter { $0.1 == nil }.map(\.0.name).joined(separator: ", ")
                throw ClientError.step("connection closed before \(missing)")
            }
            show(Self.hops(of: text), text)
            guard let message = try? GatewayMessage(json: text) else { continue }
            if let index = wanted.indices.first(where: { found[$0] == nil && wanted[$0].matches(message) }) {
                found[index] = message
            }
        }
        return found.compactMap { $0 }
    }

    static let response: @Sendable (GatewayMessage) -> Bool = { $0.type == .response }

    static func event(_ event: SessionEvent) -> @Sendable (GatewayMessage) -> Bool {
        { if case .sessionUpdate(let update) = $0 { update.event == event } else { false } }
    }

    static func hops(of text: String) -> String {
        switch (try? JSONCoding.decode(JSONValue.self, from: text))?["type"]?.stringValue {
        case "response": "backend -> gateway -> app"
        case "session_update", "charger_update": "charger-sim -> backend -> redis -> gateway -> app"
        case "notification": "backend -> redis -> gateway -> app"
        default: "gateway -> app"
        }
    }
}
