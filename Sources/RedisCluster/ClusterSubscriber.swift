import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RESP
import ServiceLifecycle

/// Keeps a changing set of topics subscribed across a Redis Cluster: one subscriber
/// connection per primary that owns a slot of a channel in use, each channel subscribed with
/// SSUBSCRIBE on the shard of its slot (`sharded`), or every channel with SUBSCRIBE on one
/// node (`classic`: a cluster copies classic PUBLISH to every node).
///
/// It follows the cluster as it changes: a `MOVED` answer, an `sunsubscribe` that Redis sends
/// when a slot moves away, or a lost connection makes it read the slot map again (every
/// `degradedRefreshInterval` until it is whole again) and move the channels concerned to the
/// primary that serves them now. A failover is over for the subscriber within one refresh of
/// the slot map that names the promoted replica.
///
/// `subscribe` and `unsubscribe` may be called from any thread at any time.
public final class ClusterSubscriber<Topic: Hashable & Sendable>: Service, Sendable {
    public typealias MessageHandler = @Sendable (_ channel: ByteBuffer, _ payload: ByteBuffer) -> Void

    public struct Configuration: Sendable {
        public var discovery: ClusterDiscovery
        public var mode: PubSubMode
        /// The slot map is read again this often when nothing happened (slots added or moved
        /// without any channel of ours noticing).
        public var refreshInterval: TimeAmount
        /// And this often while a shard is unreachable or the map is not whole (a failover).
        public var degradedRefreshInterval: TimeAmount
        /// Reconnects to one node.
        public var backoff: Backoff

        public init(discovery: ClusterDiscovery, mode: PubSubMode = .sharded, refreshInterval: TimeAmount = .seconds(10),
                    degradedRefreshInterval: TimeAmount = .milliseconds(200),
                    backoff: Backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(1))) {
            self.discovery = discovery
            self.mode = mode
            self.refreshInterval = refreshInterval
            self.degradedRefreshInterval = degradedRefreshInterval
            self.backoff = backoff
        }
    }

    private final class Link: Sendable {
        let node: ClusterNodeAddress
        let subscriber: RedisSubscriber<String>
        let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

        init(node: ClusterNodeAddress, subscriber: RedisSubscriber<String>) {
            self.node = node
            self.subscriber = subscriber
        }

        func start() {
            task.withLockedValue { task in
                guard task == nil else { return }
                task = Task { [subscriber] in try? await subscriber.run() }
            }
        }

        func stop() async {
            let running = task.withLockedValue { $0 }
            running?.cancel()
            await running?.value
        }
    }

    private struct State {
        var topics: Set<Topic> = []
        var map: SlotMap?
        var links: [ClusterNodeAddress: Link] = [:]
        /// Links are started only while `run` runs; before, subscriptions wait for the map.
        var running = false
        /// Something changed that the last map did not show (a channel Redis dropped).
        var dirty = false
        /// Reconnections of links that were retired since.
        var retiredReconnects = 0
    }

    public let configuration: Configuration
    private let logger: Logger
    private let channels: @Sendable (Topic) -> [String]
    private let onMessage: MessageHandler
    private let eventLoopGroup: any EventLoopGroup
    private let state = NIOLockedValueBox(State())
    private let signal = RefreshSignal()

    public init(configuration: Configuration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                logger: Logger, channels: @escaping @Sendable (Topic) -> [String], onMessage: @escaping MessageHandler) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.channels = channels
        self.onMessage = onMessage
    }

    public func subscribe(_ topic: Topic) {
        state.withLockedValue { state in
            guard state.topics.insert(topic).inserted, let map = state.map else { return }
            for channel in channels(topic) {
                guard let node = owner(of: channel, in: map) else { continue }
                link(to: node, in: &state).subscriber.subscribe(channel)
            }
        }
    }

    public func unsubscribe(_ topic: Topic) {
        state.withLockedValue { state in
            guard state.topics.remove(topic) != nil else { return }
            // Whichever link holds a channel (a move may be under way): a handful of links.
            for channel in channels(topic) {
                for link in state.links.values { link.subscriber.unsubscribe(channel) }
            }
        }
    }

    /// Whether the slot map is known and every shard in use has its connection.
    public var isConnected: Bool {
        state.withLockedValue { state in
            state.map != nil && state.links.values.allSatisfy(\.subscriber.isConnected)
        }
    }

    public var reconnectCount: Int {
        state.withLockedValue { state in state.links.values.reduce(state.retiredReconnects) { $0 + $1.subscriber.reconnectCount } }
    }

    public var subscribedTopics: Set<Topic> { state.withLockedValue { $0.topics } }
    /// The channels of every topic subscribed.
    public var subscribedChannels: Set<String> { Set(subscribedTopics.flatMap(channels)) }

    /// The slot map in use.
    public var slotMap: SlotMap? { state.withLockedValue { $0.map } }

    public var shards: [ClusterShardStatus] {
        state.withLockedValue { state in
            state.links.values.sorted { $0.node < $1.node }.map { link in
                ClusterShardStatus(
                    node: link.node, slots: state.map?.slotRanges(of: link.node) ?? "", connected: link.subscriber.isConnected,
                    channels: link.subscriber.subscribedTopics.count, reconnects: link.subscriber.reconnectCount)
            }
        }
    }

    public func run() async throws {
        state.withLockedValue { state in
            state.running = true
            for link in state.links.values { link.start() }
        }
        var wasUnreachable = false
        let loop = eventLoopGroup.next()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let previous = state.withLockedValue { $0.map }
                let map = try await configuration.discovery.slotMap(after: previous)
                if wasUnreachable { logger.info("the cluster answers again") }
                wasUnreachable = false
                apply(map)
            } catch {
                if !wasUnreachable {
                    logger.warning("cannot read the cluster's slot map; retrying", metadata: ["error": "\(error)"])
                }
                wasUnreachable = true
            }
            let healthy = state.withLockedValue { state in
                !state.dirty && state.map?.servedSlotCount == HashSlot.count && state.links.values.allSatisfy(\.subscriber.isConnected)
            }
            await withGracefulShutdownHandler {
                await signal.wait(upTo: healthy ? configuration.refreshInterval : configuration.degradedRefreshInterval, on: loop)
            } onGracefulShutdown: {
                self.signal.fire()
            }
        }
        let links = state.withLockedValue { state in
            state.running = false
            defer { state.links = [:] }
            return Array(state.links.values)
        }
        for link in links { await link.stop() }
    }

    /// Moves every channel to the link of the node that serves it in `map`, and retires the
    /// links nothing needs any more.
    private func apply(_ map: SlotMap) {
        let retired = state.withLockedValue { state -> [Link] in
            guard state.map != map || state.dirty else { return [] }
            if let previous = state.map, previous.shards.map(\.primary) != map.shards.map(\.primary) {
                logger.info("cluster slot map changed", metadata: ["primaries": "\(map.shards.map(\.primary.description))"])
            }
            state.map = map
            state.dirty = false
            var wanted: [ClusterNodeAddress: Set<String>] = [:]
            for topic in state.topics {
                for channel in channels(topic) {
                    if let node = owner(of: channel, in: map) { wanted[node, default: []].insert(channel) }
                }
            }
            for link in state.links.values {
                let keep = wanted[link.node] ?? []
                for channel in link.subscriber.subscribedTopics where !keep.contains(channel) {
                    link.subscriber.unsubscribe(channel)
                }
            }
            for (node, names) in wanted {
                let link = link(to: node, in: &state)
                for channel in names { link.subscriber.subscribe(channel) }
            }
            let idle = state.links.values.filter { wanted[$0.node] == nil }
            for link in idle {
                state.links[link.node] = nil
                state.retiredReconnects += link.subscriber.reconnectCount
            }
            return idle
        }
        for link in retired { Task { await link.stop() } }
    }

    /// The node whose connection carries `channel`.
    private func owner(of channel: String, in map: SlotMap) -> ClusterNodeAddress? {
        switch configuration.mode {
        case .sharded: map.primary(forChannel: channel)
        // Any node delivers a classic PUBLISH; slot 0's primary is one every gateway agrees on.
        case .classic: map.primary(forSlot: 0)
        }
    }

    private func link(to node: ClusterNodeAddress, in state: inout State) -> Link {
        if let link = state.links[node] { return link }
        let subscriber = RedisSubscriber<String>(
            url: node.url(credentials: configuration.discovery.credentials), mode: configuration.mode, backoff: configuration.backoff,
            eventLoopGroup: eventLoopGroup, logger: logger, channels: { [$0] }, topicOfChannel: { $0 }, onMessage: onMessage,
            onEvent: { [weak self] event in self?.handle(event, from: node) })
        let link = Link(node: node, subscriber: subscriber)
        state.links[node] = link
        if state.running { link.start() }
        return link
    }

    private func handle(_ event: RedisSubscriberEvent, from node: ClusterNodeAddress) {
        switch event {
        case .connected:
            return
        case .disconnected:
            signal.fire()
        case .unsubscribedByServer(let channel):
            // Its slot moved away: forgotten here, subscribed again where the next map says.
            state.withLockedValue { state in
                state.links[node]?.subscriber.forget(channel)
                state.dirty = true
            }
            signal.fire()
        case .refused(let message):
            guard let redirect = ClusterRedirect(message, askedHost: node.host) else { return }
            state.withLockedValue { state in
                state.map?.move(slot: redirect.slot, to: redirect.node)
                if let link = state.links[node] {
                    for channel in link.subscriber.subscribedTopics where HashSlot.of(channel) == redirect.slot {
                        link.subscriber.forget(channel)
                    }
                }
                state.dirty = true
            }
            signal.fire()
        }
    }
}

/// One shard's subscriber connection, as `/health` shows it.
public struct ClusterShardStatus: Sendable, Equatable, Encodable {
    public var node: ClusterNodeAddress
    /// The slots the node serves, as `0-5460`; empty when the map no longer names it.
    public var slots: String
    public var connected: Bool
    public var channels: Int
    public var reconnects: Int

    enum CodingKeys: String, CodingKey { case node, slots, connected, channels, reconnects }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(node.description, forKey: .node)
        try container.encode(slots, forKey: .slots)
        try container.encode(connected, forKey: .connected)
        try container.encode(channels, forKey: .channels)
        try container.encode(reconnects, forKey: .reconnects)
    }
}
