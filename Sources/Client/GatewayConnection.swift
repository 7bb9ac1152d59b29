import Foundation
import Logging
import Messages
import NIOCore
import WSClient

/// A connection to the gateway as the app holds it: `ws://HOST:PORT/?token=JWT`.
struct GatewayConnection: Sendable {
    var gatewayURL: String
    var token: String
    var logger: Logger

    var url: String {
        let separator = gatewayURL.contains("?") ? "&" : (gatewayURL.dropFirst(6).contains("/") ? "?" : "/?")
        return gatewayURL + separator + "token=" + token
    }

    /// Connects, runs `body` with the connection's reader and writer, and returns how the
    /// connection was closed (nil when the client closed it without a code).
    func run(_ body: @escaping @Sendable (MessageReader, AppWriter) async throws -> Void) async throws -> WebSocketCloseFrame? {
        try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
            let reader = MessageReader(iterator: inbound.messages(maxSize: 1 << 24).makeAsyncIterator())
            try await body(reader, AppWriter(outbound: outbound))
            try? await outbound.close(.normalClosure, reason: nil)
        }
    }
}

/// The messages the gateway sends, one at a time, as raw text.
final class MessageReader: @unchecked Sendable {
    // Used only from the connection's handler task.
    private var iterator: WebSocketInboundMessageStream.AsyncIterator

    init(iterator: WebSocketInboundMessageStream.AsyncIterator) { self.iterator = iterator }

    /// The next text message; nil once the connection is closed.
    func next() async throws -> String? {
        while let message = try await iterator.next() {
            if case .text(let text) = message { return text }
        }
        return nil
    }

    /// Reads until `predicate` accepts a message, handing every message to `observe`.
    func next(where predicate: (GatewayMessage) -> Bool, observe: (String) -> Void = { _ in }) async throws -> GatewayMessage? {
        while let text = try await next() {
            observe(text)
            if let message = try? GatewayMessage(json: text), predicate(message) { return message }
        }
        return nil
    }
}

struct AppWriter: Sendable {
    let outbound: WebSocketOutboundWriter

    func send(_ message: ClientMessage) async throws {
        try await outbound.write(.text(try JSONCoding.encodeString(message)))
    }

    func sendRaw(_ text: String) async throws {
        try await outbound.write(.text(text))
    }

    func close() async throws {
        try await outbound.close(.normalClosure, reason: nil)
    }
}

/// Runs `operation`, failing with `ClientError.timeout` after `seconds`.
func withTimeout<T: Sendable>(seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            throw ClientError.timeout(seconds)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}

enum ClientError: Error, CustomStringConvertible {
    case timeout(Double)
    case refused(code: Int, reason: String)
    case closed
    case step(String)

    var description: String {
        switch self {
        case .timeout(let seconds): "timed out after \(seconds) s"
        case .refused(let code, let reason): "connection refused: \(code) \(reason)"
        case .closed: "the gateway closed the connection"
        case .step(let text): text
        }
    }
}
