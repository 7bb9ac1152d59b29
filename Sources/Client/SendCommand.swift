import AppConnection
import ArgumentParser
import Foundation
import HopTrace
import Logging
import Messages
import NIOWebSocket

/// `client send ACTION [--data JSON]`: one action, its response, an exit code.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Send one action and print its response.",
        discussion: "Exit status: 0 on success: true, 1 on success: false, 2 when the connection failed or was refused.")

    @OptionGroup var options: ClientOptions
    @Argument(help: "start_charging, stop_charging, get_charger_status, get_active_session, list_chargers, ...") var action: String
    @Option(help: "The action's data, a JSON object.") var data: String = "{}"
    @Option(help: "Seconds to wait for the response.") var timeout: Double = 30

    func run() async throws {
        let logger = Logger.client()
        guard let payload = try? JSONCoding.decode(JSONValue.self, from: data), payload.objectValue != nil else {
            throw ValidationError("--data must be a JSON object")
        }
        let connection = GatewayConnection(gatewayURL: options.resolvedGatewayURL, token: try options.resolvedToken(), logger: logger)
        // The action's trace: `client trace` shows what each hop did with it.
        let trace = TraceParent.random()
        let message = ClientMessage(action: ActionName(rawValue: action), data: payload, traceparent: trace.description)
        FileHandle.standardError.write(Data("trace \(trace.traceID)\n".utf8))
        let printer = MessagePrinter()
        let outcome = ResultBox()
        do {
            let close = try await withTimeout(seconds: timeout) {
                try await connection.run { reader, writer in
                    guard case .connected? = try await reader.next(where: { _ in true }) else { return }
                    try await writer.send(message)
                    if case .response(let response)? = try await reader.next(where: { $0.type == .response || $0.type == .error }, observe: { text in
                        if (try? GatewayMessage(json: text))?.type == .response || (try? GatewayMessage(json: text))?.type == .error {
                            printer.print(text)
                        }
                    }) {
                        outcome.set(response.success ? 0 : 1)
                    } else {
                        outcome.set(1)
                    }
                }
            }
            if let code = outcome.value { throw ExitCode(code) }
            FileHandle.standardError.write(Data("refused: \(close.map { "\(UInt16(webSocketErrorCode: $0.closeCode)) \($0.reason ?? "")" } ?? "connection closed")\n".utf8))
            throw ExitCode(2)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// A value set from inside a connection handler and read after it.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int32?
    var value: Int32? { lock.withLock { stored } }
    func set(_ value: Int32) { lock.withLock { stored = value } }
}
