import AppConnection
import ArgumentParser
import AsyncHTTPClient
import Foundation
import LocalStack
import Messages
import NIOCore
import ServiceRuntime

/// charger-sim under load: starts it on a fleet of `--connectors` connectors with an event
/// sink as its backend, starts a session on every connector, and measures whether the meter
/// values (one per connector per `--meter-interval`) keep up.
struct CMSBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cms", abstract: "Charge on many connectors at once; print the meter values charger-sim delivers per second.")

    @Option(help: "Charging connectors (two per charger).") var connectors = 10_000
    @Option(name: .customLong("meter-interval"), help: "charger-sim's seconds between meter values.") var meterInterval = 1.0
    @Option(help: "Seconds of measurement, after the warm-up.") var duration = 20.0
    @Option(help: "Seconds between the last start and the measurement.") var warmup = 5.0
    @Option(name: .customLong("bin-dir"), help: "Where charger-sim is (default: next to this client).") var binDirectory: String?

    func run() async throws {
        let sink = try await EventSinkServer.start()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("cms-bench-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let chargers = (connectors + 1) / 2
        let fleet = scratch.appendingPathComponent("fleet.json")
        let definitions = (1...chargers).map { index in
            index % 5 == 0
                ? #"{"id":"B\#(index)","name":"DC \#(index)","type":"DC","connectors":2,"max_power":50}"#
                : #"{"id":"B\#(index)","name":"AC \#(index)","type":"AC","connectors":2,"phases":3,"voltage":230,"max_current":32}"#
        }
        try Data(#"{"chargers":[\#(definitions.joined(separator: ","))]}"#.utf8).write(to: fleet)

        let secret = "bench-cms"
        let simulator = try ChildProgram(
            name: "charger-sim",
            executable: (binDirectory.map(URL.init(fileURLWithPath:)) ?? StackConfiguration.ownDirectory).appendingPathComponent("charger-sim"),
            arguments: ["--host", "127.0.0.1", "--port", "0", "--backend-url", "http://127.0.0.1:\(sink.port)", "--fleet", fleet.path,
                        "--meter-interval", String(meterInterval), "--speed", "1", "--seed", "1"],
            environment: ["CMS_SECRET": secret, "LOG_LEVEL": "info"], log: StackLog(), onExit: { _ in })
        let base = "http://127.0.0.1:\(try await simulator.announcedPort(timeout: .seconds(60)))"
        defer { Task { await simulator.stop() } }

        // Start every session, 64 at a time.
        let started = ContinuousClock.now
        let keys = (0..<connectors).map { ("B\($0 / 2 + 1)", $0 % 2 + 1) }
        var next = 0
        while next < keys.count {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in next..<min(keys.count, next + 64) {
                    let (charger, connector) = keys[index]
                    group.addTask {
                        let request = HTTPClientRequest.jsonPost(
                            url: "\(base)/api/chargers/\(charger)/connectors/\(connector)/remote-start", bearer: secret,
                            body: ByteBuffer(string: #"{"id_tag":"BENCH","transaction_id":\#(index + 1)}"#))
                        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 16)
                        guard response.status == .ok else { throw ValidationError("remote start answered \(response.status)") }
                    }
                }
                try await group.waitForAll()
            }
            next += 64
        }
        let startSeconds = (ContinuousClock.now - started).seconds
        try await Task.sleep(for: .milliseconds(Int64(warmup * 1000)))

        let statsBefore = try await stats(base, secret: secret)
        let before = (meters: sink.count("meter_value"), sample: ProcessSample.of(pid: simulator.processID))
        let measureStart = ContinuousClock.now
        try await Task.sleep(for: .milliseconds(Int64(duration * 1000)))
        let seconds = (ContinuousClock.now - measureStart).seconds
        let after = (meters: sink.count("meter_value"), sample: ProcessSample.of(pid: simulator.processID))
        let statsAfter = try await stats(base, secret: secret)

        let rate = Double(after.meters - before.meters) / seconds
        let expected = Double(connectors) / meterInterval
        var line = String(format: "cms: %d charging connectors (started in %.1f s), meter values every %.1f s: expected %.0f/s, delivered %.0f/s (%.2f)",
                          connectors, startSeconds, meterInterval, expected, rate, rate / expected)
        line += "; events waiting \(statsBefore["events_waiting"]?.intValue ?? -1) -> \(statsAfter["events_waiting"]?.intValue ?? -1)"
        line += ", meter values dropped \(statsAfter["meter_values_dropped"]?.intValue ?? -1)"
        if let first = before.sample, let last = after.sample {
            let events = Double(after.meters - before.meters)
            let cpu = last.cpuSeconds - first.cpuSeconds
            line += String(format: "; charger-sim CPU %.0f us per event, %.0f%% of one core, RSS %.0f MB", cpu * 1e6 / max(events, 1),
                           cpu / seconds * 100, Double(last.residentBytes) / 1e6)
            line += last.allocations(since: first, per: after.meters - before.meters, "event")
        }
        print(line)
        await simulator.stop()
        await sink.close()
    }

    private func stats(_ base: String, secret: String) async throws -> JSONValue {
        var request = HTTPClientRequest(url: base + "/api/stats")
        request.headers.add(name: "Authorization", value: "Bearer \(secret)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return try JSONReader.parse(try await response.body.collect(upTo: 1 << 16).readableBytesView)
    }
}
