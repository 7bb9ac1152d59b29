import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceLifecycle

/// One pub/sub connection that keeps a changing set of topics subscribed: it reconnects with
/// backoff whenever the connection drops and subscribes every channel in use again.
///
/// A topic stands for one channel or a few (the gateway's: a user id for the user's three
/// channels); the set keeps the topics and derives the names when they are sent, so that tens of
/// thousands of users cost a set of integers rather than of strings.
///
/// `subscribe` and `unsubscribe` may be called from any thread at any time; while Redis is
/// unreachable they only change the set, which is applied on the next connection.
public final class RedisSubscriber<Topic: Hashable & Sendable>: Service, Sendable {
    /// Called on an event loop thread for each message: channel name, payload.
    public typealias MessageHandler = @Sendable (_ channel: ByteBuffer, _ payload: ByteBuffer) -> Void

    private struct State {
        var topics: Set<Topic> = []
        var connection: RESPConnection?
        var reconnects = 0
    }

    public let url: RedisURL
    private let backoff: Backoff
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let onMessage: MessageHandler
    private let channels: @Sendable (Topic) -> [String]
    private let state = NIOLockedValueBox(State())
    /// Channels per SUBSCRIBE when all are subscribed again.
    static var batchSize: Int { 1024 }

    /// `channels` names the channels of a topic.
    public init(url: RedisURL, backoff: Backoff = Backoff(), eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger, channels: @escaping @Sendable (Topic) -> [String], onMessage: @escaping MessageHandler) {
        self.channels = channels
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
    public var subscribedTopics: Set<Topic> { state.withLockedValue { $0.topics } }
    /// The channels of every topic subscribed.
    public var subscribedChannels: Set<String> { Set(subscribedTopics.flatMap(channels)) }

    public func subscribe(_ topic: Topic) {
        state.withLockedValue { state in
            guard state.topics.insert(topic).inserted else { return }
            // Written under the lock so SUBSCRIBE and UNSUBSCRIBE reach Redis in call order.
            state.connection?.sendWithoutReply(["SUBSCRIBE"] + channels(topic))
        }
    }

    public func unsubscribe(_ topic: Topic) {
        state.withLockedValue { state in
            guard state.topics.remove(topic) != nil else { return }
            state.connection?.sendWithoutReply(["UNSUBSCRIBE"] + channels(topic))
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
                    let all = state.topics.flatMap(channels)
                    for start in stride(from: 0, to: all.count, by: Self.batchSize) {
                        connection.sendWithoutReply(["SUBSCRIBE"] + all[start..<min(all.count, start + Self.batchSize)])
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
