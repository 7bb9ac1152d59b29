import ArgumentParser
import Foundation
import Logging
import Messages
import NIOWebSocket

/// `client connect`: an interactive session. Lines typed are short commands or raw JSON.
struct ConnectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Interactive session: type start CP001 1, stop, status CP001, session, list, or raw JSON.")

    @OptionGroup var options: ClientOptions

    func run() async throws {
        let logger = Logger.client()
        let connection = GatewayConnection(gatewayURL: options.resolvedGatewayURL, token: try options.resolvedToken(), logger: logger)
        let printer = MessagePrinter()
        let close = try await connection.run { reader, writer in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    while let text = try await reader.next() { printer.print(text) }
                }
                group.addTask {
                    while let line = readLine() {
                        let trimmed = line.trimmingCharacters(in: .whitespaces)
                        if trimmed.isEmpty { continue }
                        if trimmed == "quit" || trimmed == "exit" { break }
                        if let message = ShortCommand.parse(trimmed) {
                            try await writer.send(message)
                        } else {
                            try await writer.sendRaw(trimmed)
                        }
                    }
                    try await writer.close()
                }
                try await group.next()
                group.cancelAll()
            }
        }
        if let close, close.closeCode != .normalClosure {
            FileHandle.standardError.write(Data("closed: \(UInt16(webSocketErrorCode: close.closeCode)) \(close.reason ?? "")\n".utf8))
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
