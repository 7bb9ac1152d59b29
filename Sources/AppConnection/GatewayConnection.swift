import Foundation
import Logging
import Messages
import NIOCore
import WSClient

/// A connection to the gateway as the app holds it: `ws://HOST:PORT/?token=JWT`.
public struct GatewayConnection: Sendable {
    public var gatewayURL: String
    public var token: String
    public var logger: Logger

    public init(gatewayURL: String, token: String, logger: Logger) {
        self.gatewayURL = gatewayURL
        self.token = token
        self.logger = logger
    }

    public var url: String {
        let separator = gatewayURL.contains("?") ? "&" : (gatewayURL.dropFirst(6).contains("/") ? "?" : "/?")
        return gatewayURL + separator + "token=" + token
    }

    /// Connects, runs `body` with the connection's reader and writer, and returns how the
    /// connection was closed (nil when the client closed it without a code).
    public func run(_ body: @escaping @Sendable (MessageReader, AppWriter) async throws -> Void) async throws -> WebSocketCloseFrame? {
        try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
            let reader = MessageReader(iterator: inbound.messages(maxSize: 1 << 24).makeAsyncIterator())
            try await body(reader, AppWriter(outbound: outbound))
            try? await outbound.close(.normalClosure, reason: nil)
        }
    }
}

/// The messages the gateway sends, one at a time, as raw text.
public final class MessageReader: @unchecked Sendable {
    // Used only from the connection's handler task.
    private var iterator: WebSocketInboundMessageStream.AsyncIterator

    public init(iterator: WebSocketInboundMessageStream.AsyncIterator) { self.iterator = iterator }

    /// The next text message; nil once the connection is closed.
    public func next() async throws -> String? {
        while let message = try await iterator.next() {
            if case .text(let text) = message { return text }
        }
        return nil
    }

    /// Reads until `predicate` accepts a message, handing every message to `observe`.
    public func next(where predicate: (GatewayMessage) -> Bool, observe: (String) -> Void = { _ in }) async throws -> GatewayMessage? {
        while let text = try await next() {
            observe(text)
            if let message = try? GatewayMessage(json: text), predicate(message) { return message }
        }
        return nil
    }
}

public struct AppWriter: Sendable {
    public let outbound: WebSocketOutboundWriter

    public init(outbound: WebSocketOutboundWriter) { self.outbound = outbound }

    public func send(_ message: ClientMessage) async throws {
        try await outbound.write(.text(try JSONCoding.encodeString(message)))
    }

    public func sendRaw(_ text: String) async throws {
        try await outbound.write(.text(text))
    }

    public func close() async throws {
        try await outbound.close(.normalClosure, reason: nil)
    }
}
