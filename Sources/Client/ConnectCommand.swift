import AppConnection
import ArgumentParser
import Foundation
import Logging
import Messages

/// `client connect`: an interactive session. Lines typed are short commands or raw JSON; the
/// connection comes back by itself when the gateway goes away, and what was typed meanwhile is
/// sent once it is back.
struct ConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Interactive session: type start CP001 1, stop, status CP001, session, list, or raw JSON.",
        discussion: """
            Reconnects with exponential backoff and jitter; up to --queue messages typed while disconnected are \
            sent in order once the gateway is back. Exit status: 0 after quit or end of input, 2 when the gateway \
            refuses the token (no retry).
            """)

    @OptionGroup var options: ClientOptions
    @Option(help: "Messages kept while disconnected.") var queue = 100
    @Option(help: "Messages per second the client sends at most (0: no limit).") var rate = 10.0
    @Option(help: "Messages the client may send at once before --rate applies (default: 2 x rate).") var burst: Double?

    func run() async throws {
        let logger = Logger.client()
        var connection = ReconnectingConnection(gatewayURL: options.resolvedGatewayURL, token: try options.resolvedToken(), logger: logger)
        connection.pacer = SendPacer(rate: rate, burst: max(1, burst ?? rate * 2))
        let outbound = OutboundQueue(limit: queue)
        let printer = MessagePrinter()
        let status = { @Sendable (text: String) in FileHandle.standardError.write(Data("\(text)\n".utf8)) }

        let input = Task {
            for await line in StandardInput.lines() {
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty { continue }
                if trimmed == "quit" || trimmed == "exit" { break }
                let text = ShortCommand.parse(trimmed).flatMap { try? JSONCoding.encodeString($0) } ?? trimmed
                if await !outbound.enqueue(text) { status("queue full (\(outbound.limit) messages): not sent: \(trimmed)") }
            }
            await outbound.finish()
        }
        let outcome = await connection.run(queue: outbound, onMessage: { printer.print($0) }, onStatus: status)
        input.cancel()
        if case .refused(let code, let reason) = outcome {
            status("refused: \(code) \(reason)")
            throw ExitCode(2)
        }
    }
}

/// Lines of standard input, read on a thread of their own (a blocking read must not hold one
/// of the few threads that run the async code).
enum StandardInput {
    static func lines() -> AsyncStream<String> {
        AsyncStream { continuation in
            Thread {
                while let line = readLine() { continuation.yield(line) }
                continuation.finish()
            }.start()
        }
    }
}

/// The interactive shorthand for the five actions.
enum ShortCommand {
    static func parse(_ line: String) -> ClientMessage? {
        let words = line.split(separator: " ").map(String.init)
        guard let verb = words.first?.lowercased() else { return nil }
        switch verb {
        case "start" where words.count >= 2:
            var data: [String: JSONValue] = ["charger_id": .string(words[1])]
            if words.count >= 3, let connector = Int(words[2]) { data["connector_id"] = .int(connector) }
            return ClientMessage(action: .startCharging, data: .object(data))
        case "stop":
            return ClientMessage(action: .stopCharging, data: words.count >= 2 ? ["charger_id": .string(words[1])] : [:])
        case "status" where words.count >= 2:
            return ClientMessage(action: .getChargerStatus, data: ["charger_id": .string(words[1])])
        case "session":
            return ClientMessage(action: .getActiveSession)
        case "list":
            return ClientMessage(action: .listChargers)
        default:
            return nil
        }
    }
}
