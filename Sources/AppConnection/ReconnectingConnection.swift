import ServiceRuntime
import Foundation
import Logging
import Messages
import NIOConcurrencyHelpers
import NIOWebSocket
import RESP
import WSClient

/// The app's connection as the spec's best practices want it: reconnects with exponential
/// backoff and jitter, sends what was queued while it was down once `connected` arrives (in
/// order, once each), never retries an authentication refusal, backs off longer when the
/// gateway is at capacity, and paces its sends below the gateway's rate limit.
public struct ReconnectingConnection: Sendable {
    public var gatewayURL: String
    public var token: String
    public var logger: Logger
    public var backoff = Backoff(initial: .milliseconds(500), maximum: .seconds(30))
    /// "Server at capacity": wait at least this long before trying again.
    public var capacityBackoff = Backoff(initial: .seconds(5), maximum: .seconds(60))
    public var pacer = SendPacer()

    public init(gatewayURL: String, token: String, logger: Logger) {
        self.gatewayURL = gatewayURL
        self.token = token
        self.logger = logger
    }

    public enum Outcome: Equatable {
        /// The app closed the connection (`finish` returned).
        case finished
        /// A refusal that retrying cannot fix: 1008 with a token problem.
        case refused(code: UInt16, reason: String)
    }

    /// Runs until the queue is finished and sent, or the gateway refuses the token.
    /// `onMessage` gets every text message; `onStatus` the connection's ups and downs.
    public func run(
        queue: OutboundQueue,
        onMessage: @escaping @Sendable (String) -> Void,
        onStatus: @escaping @Sendable (String) -> Void
    ) async -> Outcome {
        var attempt = 0
        while true {
            let connection = GatewayConnection(gatewayURL: gatewayURL, token: token, logger: logger)
            let close: WebSocketCloseFrame?
            let connected = ConnectedFlag()
            do {
                close = try await connection.run { reader, writer in
                    try await exchange(reader: reader, writer: writer, queue: queue, connected: connected, onMessage: onMessage)
                }
            } catch {
                close = nil
                onStatus("cannot reach the gateway: \(error)")
            }
            if await queue.isDone { return .finished }
            if connected.value { attempt = 0 }
            let code = close.map { UInt16(webSocketErrorCode: $0.closeCode) }
            let reason = close?.reason ?? ""
            if code == CloseReason.invalidToken.code, reason != CloseReason.serverAtCapacity.reason, reason != "Slow consumer" {
                // Authentication required, invalid or expired token: a retry would get the same answer.
                return .refused(code: code ?? 1008, reason: reason)
            }
            let wait = reason == CloseReason.serverAtCapacity.reason
                ? capacityBackoff.delay(attempt: attempt) : backoff.delay(attempt: attempt)
            attempt += 1
            onStatus("disconnected\(code.map { " (\($0) \(reason))" } ?? ""); reconnecting in \(String(format: "%.1f", wait.seconds)) s")
            try? await Task.sleep(for: wait)
            if Task.isCancelled { return .finished }
        }
    }

    /// One connection's life: wait for `connected`, then send the queue while printing what arrives.
    private func exchange(
        reader: MessageReader, writer: AppWriter, queue: OutboundQueue, connected: ConnectedFlag,
        onMessage: @escaping @Sendable (String) -> Void
    ) async throws {
        guard let first = try await reader.next() else { return }
        onMessage(first)
        guard (try? GatewayMessage(json: first))?.type == .connected else { return }
        connected.set()
        await queue.connectionChanged()
        let pacer = self.pacer
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                while let text = try await reader.next() {
                    onMessage(text)
                    let type = (try? JSONReader.parse(text))?["type"]?.stringValue
                    if type == MessageType.response.rawValue || type == MessageType.error.rawValue { await queue.answered() }
                }
            }
            group.addTask {
                var pacer = pacer
                while let message = await queue.first() {
                    try await Task.sleep(for: pacer.delayForNextSend())
                    try await writer.sendRaw(message)
                    await queue.removeFirst()
                }
                // The app is done and everything queued has gone out: close once it is answered.
                if await queue.isDone {
                    await queue.waitForAnswers()
                    try await writer.close()
                }
            }
            // Whichever ends first (or throws), the other must stop: the sender waits on the
            // queue, which only a wake ends.
            do {
                try await group.next()
            } catch {
                group.cancelAll()
                await queue.wake()
                throw error
            }
            group.cancelAll()
            await queue.wake()
        }
    }
}

/// Whether a connection got as far as `connected` (then the backoff starts again from zero).
public final class ConnectedFlag: Sendable {
    private let connected = NIOLockedValueBox(false)
    public var value: Bool { connected.withLockedValue { $0 } }
    public func set() { connected.withLockedValue { $0 = true } }
}
