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
    /// Called on an event loop thread when the connection's state changes or Redis acts on
    /// its own (a cluster watches these to follow its slot map).
    public typealias EventHandler = @Sendable (_ event: RedisSubscriberEvent) -> Void

    private struct State {
        var topics: Set<Topic> = []
        var connection: RESPConnection?
        var reconnects = 0
    }

    public let url: RedisURL
    public let mode: PubSubMode
    private let backoff: Backoff
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let onMessage: MessageHandler
    private let onEvent: EventHandler
    private let channels: @Sendable (Topic) -> [String]
    /// The topic a channel belongs to, for telling Redis's own `sunsubscribe` from the
    /// confirmation of ours; nil: not watched.
    private let topicOfChannel: (@Sendable (String) -> Topic?)?
    private let state = NIOLockedValueBox(State())
    /// Channels per SUBSCRIBE when all are subscribed again.
    static var batchSize: Int { 1024 }

    /// `channels` names the channels of a topic.
    public init(url: RedisURL, mode: PubSubMode = .classic, backoff: Backoff = Backoff(),
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger, channels: @escaping @Sendable (Topic) -> [String], topicOfChannel: (@Sendable (String) -> Topic?)? = nil,
                onMessage: @escaping MessageHandler, onEvent: @escaping EventHandler = { _ in }) {
        self.channels = channels
        self.topicOfChannel = topicOfChannel
        self.url = url
        self.mode = mode
        self.onEvent = onEvent
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
            guard state.topics.insert(topic).inserted, let connection = state.connection else { return }
            // Written under the lock so SUBSCRIBE and UNSUBSCRIBE reach Redis in call order.
            send(mode.subscribe, channels(topic), on: connection)
        }
    }

    public func unsubscribe(_ topic: Topic) {
        state.withLockedValue { state in
            guard state.topics.remove(topic) != nil, let connection = state.connection else { return }
            send(mode.unsubscribe, channels(topic), on: connection)
        }
    }

    /// Drops a topic that Redis no longer delivers (a cluster moved its slot away, or refused
    /// it with `MOVED`) without telling Redis, so that subscribing it again sends a command.
    public func forget(_ topic: Topic) {
        _ = state.withLockedValue { $0.topics.remove(topic) }
    }

    /// Several channels per command where the mode allows it: sharded pub/sub takes one slot
    /// per command, and a user's channels hash to different slots.
    private func send(_ verb: String, _ names: some Collection<String>, on connection: RESPConnection) {
        let perCommand = mode == .sharded ? 1 : Self.batchSize
        var batch: [String] = [verb]
        for name in names {
            batch.append(name)
            if batch.count > perCommand {
                connection.sendWithoutReply(batch)
                batch = [verb]
            }
        }
        if batch.count > 1 { connection.sendWithoutReply(batch) }
    }

    /// Pushes other than messages: the confirmations are ignored; an `sunsubscribe` for a
    /// channel still wanted came from Redis itself, and an error refused a command.
    private func handlePush(_ elements: [RESPValue]) {
        if case .error(let message)? = elements.first {
            logger.warning("Redis refused a subscription", metadata: ["redis": "\(url)", "reply": "\(message)"])
            onEvent(.refused(message))
            return
        }
        // Only shard channels are dropped by Redis (their slot moved or the node became a replica).
        guard mode == .sharded, let topicOfChannel, elements.count >= 2, elements[0].string == "sunsubscribe",
              let channel = elements[1].string, let topic = topicOfChannel(channel) else { return }
        if state.withLockedValue({ $0.topics.contains(topic) }) { onEvent(.unsubscribedByServer(channel: channel)) }
    }

    public func run() async throws {
        var attempt = 0
        var everConnected = false
        while !Task.isCancelledOrShuttingDown {
            do {
                let connection = try await RESPConnection.connect(
                    to: url, eventLoopGroup: eventLoopGroup, onPush: { [weak self] in self?.handlePush($0) }, onMessage: onMessage)
                state.withLockedValue { state in
                    state.connection = connection
                    if everConnected { state.reconnects += 1 }
                    send(mode.subscribe, state.topics.flatMap(channels), on: connection)
                }
                logger.info("subscribed to Redis", metadata: ["redis": "\(url)"])
                onEvent(.connected)
                everConnected = true
                attempt = 0
                try await withTaskCancellationHandler {
                    try await withGracefulShutdownHandler {
                        try await connection.channel.closeFuture.get()
                    } onGracefulShutdown: {
                        connection.channel.close(promise: nil)
                    }
                } onCancel: {
                    connection.channel.close(promise: nil)
                }
                state.withLockedValue { $0.connection = nil }
                if Task.isCancelledOrShuttingDown { break }
                logger.warning("lost the Redis connection; reconnecting", metadata: ["redis": "\(url)"])
                onEvent(.disconnected)
            } catch {
                state.withLockedValue { $0.connection = nil }
                if Task.isCancelledOrShuttingDown { break }
                // Once per outage at warning level: a retry every second is not news.
                logger.log(level: attempt == 0 ? .warning : .debug, "cannot reach Redis; retrying",
                           metadata: ["redis": "\(url)", "error": "\(error)"])
                onEvent(.disconnected)
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

/// What a subscriber tells its owner besides messages.
public enum RedisSubscriberEvent: Sendable, Equatable {
    case connected
    /// The connection was lost, or could not be made; the subscriber keeps trying.
    case disconnected
    /// Redis dropped a channel the subscriber still wants (a shard channel whose slot moved).
    case unsubscribedByServer(channel: String)
    /// Redis answered a subscription with an error, such as `MOVED 3999 127.0.0.1:6381`.
    case refused(String)
}

/// How channels are subscribed and published: `classic` SUBSCRIBE/PUBLISH (in a cluster,
/// every message is copied to every node) or `sharded` SSUBSCRIBE/SPUBLISH (Redis 7: a
/// channel lives on the shard that owns its slot).
public enum PubSubMode: String, Sendable, CaseIterable {
    case classic, sharded

    public var subscribe: String { self == .sharded ? "SSUBSCRIBE" : "SUBSCRIBE" }
    public var unsubscribe: String { self == .sharded ? "SUNSUBSCRIBE" : "UNSUBSCRIBE" }
    public var publish: String { self == .sharded ? "SPUBLISH" : "PUBLISH" }
}

extension Task where Success == Never, Failure == Never {
    static var isCancelledOrShuttingDown: Bool {
        Task.isCancelled || Task.isShuttingDownGracefully
    }
}
