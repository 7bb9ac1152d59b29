import AppConnection
import ArgumentParser
import Foundation
import Logging
import Messages
import NIOWebSocket

/// `client watch [--until EVENT] [--timeout S]`: prints pushed messages; exits 0 when the event
/// arrives, 1 on timeout, 2 when the connection fails or closes first.
struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch", abstract: "Print pushed messages as JSON lines, until an event arrives.",
        discussion: "Exit status: 0 when the awaited event (or type) arrives, 1 on timeout, 2 when the connection fails or is closed first.")

    @OptionGroup var options: ClientOptions
    @Option(help: "Exit 0 when a message with this event (or type) arrives.") var until: String?
    @Option(help: "Seconds before giving up (exit 1).") var timeout: Double = 60

    func run() async throws {
        let logger = Logger.client()
        let connection = GatewayConnection(gatewayURL: options.resolvedGatewayURL, token: try options.resolvedToken(), logger: logger)
        let printer = MessagePrinter()
        let until = self.until
        let arrived = ResultBox()
        do {
            let close = try await withTimeout(seconds: timeout) {
                try await connection.run { reader, _ in
                    while let text = try await reader.next() {
                        printer.print(text)
                        guard let until else { continue }
                        let value = try? JSONReader.parse(text)
                        if value?["event"]?.stringValue == until || value?["type"]?.stringValue == until {
                            arrived.set(0)
                            return
                        }
                    }
                }
            }
            guard arrived.value == 0 else {
                let how = close.map { "\(UInt16(webSocketErrorCode: $0.closeCode)) \($0.reason ?? "")" } ?? "without a close frame"
                FileHandle.standardError.write(Data("connection closed: \(how)\n".utf8))
                throw ExitCode(2)
            }
        } catch ClientError.timeout {
            FileHandle.standardError.write(Data("timed out after \(timeout) s\n".utf8))
            throw ExitCode(1)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// `client token --user ID`: prints a development token.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "token", abstract: "Mint a development token (needs JWT_SECRET).")

    @Option(help: "User id.") var user: Int = 123
    @Option(name: .customLong("jwt-secret"), help: "Secret (env JWT_SECRET).") var jwtSecret: String?
    @Option(help: "Seconds the token is valid.") var ttl: Int = 86_400

    func run() throws {
        guard let secret = jwtSecret ?? ProcessInfo.processInfo.environment["JWT_SECRET"] else {
            throw ValidationError("--jwt-secret or JWT_SECRET is required")
        }
        print(try DevelopmentToken.mint(userID: user, secret: secret, ttl: ttl))
    }
}
