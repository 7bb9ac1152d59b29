import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// One pub/sub connection that keeps a changing set of channels subscribed: it reconnects with
/// backoff whenever the connection drops and subscribes every channel in use again.
///
/// `subscribe` and `unsubscribe` may be called from any thread at any time; while Redis is
/// unreachable they only change the set, which is applied on the next connection.
public final class RedisSubscriber: Service, Sendable {
    /// Called on an event loop thread for each message: channel name, payload.
    public typealias MessageHandler = @Sendable (_ channel: ByteBuffer, _ payload: ByteBuffer) -> Void

    private struct State {
        var channels: Set<String> = []
        var connection: RESPConnection?
        var reconnects = 0
    }

    public let url: RedisURL
    private let backoff: Backoff
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let onMessage: MessageHandler
    private let state = NIOLockedValueBox(State())

    public init(url: RedisURL, backoff: Backoff = Backoff(), eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger, onMessage: @escaping MessageHandler) {
        self.url = url
        self.backoff = backoff
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.onMessage = onMessage
    }

    /// Whether the subscriber is connected and its channels subscribed.
    public var isConnected: Bool { state.withLockedValue { $0.connection != nil } }
    /// How many times the connection was made again after a loss.
    public var reconnectCount: Int { state.withLockedValue { $0.reconnects } }
    public var subscribedChannels: Set<String> { state.withLockedValue { $0.channels } }

    public func subscribe(_ channels: [String]) {
        guard !channels.isEmpty else { return }
        state.withLockedValue { state in
            state.channels.formUnion(channels)
            // Written under the lock so SUBSCRIBE and UNSUBSCRIBE reach Redis in call order.
            state.connection?.sendWithoutReply(["SUBSCRIBE"] + channels)
        }
    }

    public func unsubscribe(_ channels: [String]) {
        guard !channels.isEmpty else { return }
        state.withLockedValue { state in
            state.channels.subtract(channels)
            state.connection?.sendWithoutReply(["UNSUBSCRIBE"] + channels)
        }
    }

    public func run() async throws {
        var attempt = 0
        var everConnected = false
        while !Task.isCancelledOrShuttingDown {
            do {
                let connection = try await RESPConnection.connect(
                    to: url, eventLoopGroup: eventLoopGroup, onPush: { _ in }, onMessage: onMessage)
                state.withLockedValue { state in
                    state.connection = connection
                    if everConnected { state.reconnects += 1 }
                    if !state.channels.isEmpty {
                        connection.sendWithoutReply(["SUBSCRIBE"] + state.channels.sorted())
                    }
                }
                logger.info("subscribed to Redis", metadata: ["redis": "\(url)"])
                everConnected = true
                attempt = 0
                try await withGracefulShutdownHandler {
                    try await connection.channel.closeFuture.get()
                } onGracefulShutdown: {
                    connection.channel.close(promise: nil)
                }
                state.withLockedValue { $0.connection = nil }
                if Task.isCancelledOrShuttingDown { break }
                logger.warning("lost the Redis connection; reconnecting", metadata: ["redis": "\(url)"])
            } catch {
                state.withLockedValue { $0.connection = nil }
                if Task.isCancelledOrShuttingDown { break }
                logger.warning("cannot reach Redis; retrying", metadata: ["redis": "\(url)", "error": "\(error)"])
            }
            let delay = backoff.delay(attempt: attempt)
            attempt += 1
            try? await Task.sleep(for: delay)
        }
        let connection = state.withLockedValue { state -> RESPConnection? in
            defer { state.connection = nil }
            return state.connection
        }
        await connection?.close()
    }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool {
        Task.isCancelled || Task.isShuttingDownGracefully
    }
}
