import Foundation
import HopTrace
import Logging
import Messages
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOWebSocket
import RESP
import RedisCluster
import ServiceLifecycle
import ServiceRuntime
import WebSocketWire

/// Which sockets belong to which user, on this instance. The first socket of a user subscribes
/// the user's three channels; the last one to leave unsubscribes them. A message published on a
/// user's channel goes, unchanged, to that user's sockets and no one else's.
///
/// Messages are written at the end of the Redis connection's loop iteration: under load one
/// read of Redis carries many messages, and then each run of one socket's messages costs one
/// flush and each other loop one hop, instead of one of each per message.
final class ConnectionRegistry: Sendable {
    /// A frame for a socket, waiting for the end of the iteration.
    struct Delivery: Sendable {
        let socket: any Channel
        /// Encoded once, for every socket of the user.
        let frame: ByteBuffer
    }

    private struct State {
        var users: [Int: UserSockets] = [:]
        var count = 0
    }

    private let state = NIOLockedValueBox(State())
    let maxConnections: Int
    private let metrics: GatewayMetrics
    /// Set once, before the server accepts anything.
    private let subscriptions = NIOLockedValueBox<(any ChannelSubscriptions)?>(nil)
    private let deliveries: LoopDispatcher<Delivery>
    /// nil when tracing is off: then a push costs no digest.
    private let traces: TraceRecorder?

    init(maxConnections: Int, metrics: GatewayMetrics, traces: TraceRecorder? = nil,
         eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.maxConnections = maxConnections
        self.metrics = metrics
        self.traces = traces
        self.deliveries = LoopDispatcher(group: eventLoopGroup, owner: { $0.socket.eventLoop }, deliver: Self.write)
    }

    func attach(_ subscriptions: any ChannelSubscriptions) {
        self.subscriptions.withLockedValue { $0 = subscriptions }
    }

    var connectionCount: Int { state.withLockedValue { $0.count } }
    var userCount: Int { state.withLockedValue { $0.users.count } }

    /// Adds a socket; false when the instance is full.
    func register(_ channel: any Channel, userID: Int) -> Bool {
        let subscriber = subscriptions.withLockedValue { $0 }
        let perLoop = subscriber?.subscribesPerLoop ?? false
        return state.withLockedValue { state in
            guard state.count < maxConnections else { return false }
            state.count += 1
            let subscribes: Bool
            if let sockets = state.users[userID] {
                subscribes = perLoop && !sockets.contains { $0.eventLoop === channel.eventLoop }
                state.users[userID]!.append(channel)
            } else {
                subscribes = true
                state.users[userID] = .one(channel)
            }
            // Under the lock, so a user's subscribe and unsubscribe cannot cross.
            if subscribes { subscriber?.subscribe(userID, on: channel.eventLoop) }
            return true
        }
    }

    func unregister(_ channel: any Channel, userID: Int) {
        let subscriber = subscriptions.withLockedValue { $0 }
        let perLoop = subscriber?.subscribesPerLoop ?? false
        state.withLockedValue { state in
            guard let sockets = state.users[userID], let remaining = sockets.removing(channel) else { return }
            state.count -= 1
            state.users[userID] = remaining.isEmpty ? nil : remaining
            let lastOfItsLoop = perLoop && !remaining.contains { $0.eventLoop === channel.eventLoop }
            if remaining.isEmpty || lastOfItsLoop { subscriber?.unsubscribe(userID, on: channel.eventLoop) }
        }
    }

    /// Forwards a Redis message to the sockets of the channel's user; returns how many.
    /// `onThisLoopOnly`: the message came on this loop's own subscriber connection
    /// (`PerLoopSubscriber`), and the user's sockets on other loops get it from theirs.
    @discardableResult
    func deliver(channel name: ByteBuffer, payload: ByteBuffer, onThisLoopOnly: Bool = false) -> Int {
        guard let (userID, _) = name.withUnsafeReadableBytes({ UserChannel.parse($0) }) else { return 0 }
        guard let sockets = state.withLockedValue({ state in state.users[userID] }) else { return 0 }
        let frame = WebSocketFrameCodec.frame(.text, payload: payload, allocator: sockets.first.allocator)
        var delivered = 0
        sockets.forEach { socket in
            if onThisLoopOnly, !socket.eventLoop.inEventLoop { return }
            // Past the high-water mark the app is not reading: it is closed, not waited for.
            guard socket.isWritable else {
                socket.pipeline.fireUserInboundEventTriggered(SlowConsumerEvent())
                return
            }
            deliveries.send(Delivery(socket: socket, frame: frame))
            delivered += 1
        }
        metrics.pushesOut.increment(by: Int64(delivered))
        if let traces { Self.recordPush(payload, channel: name, sockets: delivered, in: traces) }
        return delivered
    }

    /// A push has no trace of its own (the payload is the spec's): the timeline finds it by the
    /// digest of the payload the backend published.
    private static func recordPush(_ payload: ByteBuffer, channel: ByteBuffer, sockets: Int, in traces: TraceRecorder) {
        traces.record(HopRecord(
            traceID: "", spanID: "", parentSpanID: nil, program: traces.program, name: "push \(String(buffer: channel))",
            startedAt: Date(), duration: 0, status: sockets, failed: sockets == 0,
            detail: sockets == 0 ? "no socket could take it" : nil, digest: PayloadDigest.of(payload.readableBytesView)))
    }

    /// On the sockets' loop: writes in order, and flushes a socket once the next delivery is
    /// for another (the frames of one socket in a row go out in one write).
    private static func write(_ deliveries: [Delivery]) {
        for (index, delivery) in deliveries.enumerated() {
            delivery.socket.write(delivery.frame, promise: nil)
            if index + 1 == deliveries.count || deliveries[index + 1].socket !== delivery.socket {
                delivery.socket.flush()
            }
        }
    }

    /// Every socket, for shutdown.
    var allChannels: [any Channel] {
        state.withLockedValue { state in state.users.values.flatMap(\.all) }
    }
}

/// A user's sockets on this instance: nearly always one, which is then kept without an array.
enum UserSockets {
    case one(any Channel)
    /// Two or more.
    case many([any Channel])

    var first: any Channel {
        switch self {
        case .one(let socket): socket
        case .many(let sockets): sockets[0]
        }
    }

    func contains(where matches: (any Channel) -> Bool) -> Bool {
        switch self {
        case .one(let socket): matches(socket)
        case .many(let sockets): sockets.contains(where: matches)
        }
    }

    func forEach(_ body: (any Channel) -> Void) {
        switch self {
        case .one(let socket): body(socket)
        case .many(let sockets): sockets.forEach(body)
        }
    }

    var all: [any Channel] {
        switch self {
        case .one(let socket): [socket]
        case .many(let sockets): sockets
        }
    }

    var isEmpty: Bool {
        if case .many(let sockets) = self { return sockets.isEmpty }
        return false
    }

    mutating func append(_ socket: any Channel) {
        self = .many(all + [socket])
    }

    /// Without `socket`; nil when it is not one of them.
    func removing(_ socket: any Channel) -> UserSockets? {
        var sockets = all
        guard let index = sockets.firstIndex(where: { $0 === socket }) else { return nil }
        sockets.remove(at: index)
        return sockets.count == 1 ? .one(sockets[0]) : .many(sockets)
    }
}

/// What the registry needs from the Redis subscriber (a protocol, so tests can watch it): the
/// channels of a user, by user id, for a socket on `loop`.
protocol ChannelSubscriptions: Sendable {
    func subscribe(_ userID: Int, on loop: any EventLoop)
    func unsubscribe(_ userID: Int, on loop: any EventLoop)
    /// True when each loop has a connection of its own: a user is then subscribed once per
    /// loop that holds the user's sockets; false: once per instance, whatever the loop.
    var subscribesPerLoop: Bool { get }
}

extension ChannelSubscriptions {
    var subscribesPerLoop: Bool { false }
}

/// The gateway's Redis side: one server (`RedisSubscriber`) or a cluster (`ClusterSubscriber`).
protocol UserSubscriber: ChannelSubscriptions, Service {
    var isConnected: Bool { get }
    var reconnectCount: Int { get }
    /// The channels of every user subscribed.
    var subscribedChannels: Set<String> { get }
    /// Each shard's connection in a cluster; nil for one Redis.
    var shardStatus: [ClusterShardStatus]? { get }
}

extension RedisSubscriber: ChannelSubscriptions, UserSubscriber where Topic == Int {
    var shardStatus: [ClusterShardStatus]? { nil }
    func subscribe(_ userID: Int, on loop: any EventLoop) { subscribe(userID) }
    func unsubscribe(_ userID: Int, on loop: any EventLoop) { unsubscribe(userID) }
}

extension ClusterSubscriber: ChannelSubscriptions, UserSubscriber where Topic == Int {
    var shardStatus: [ClusterShardStatus]? { shards }
    func subscribe(_ userID: Int, on loop: any EventLoop) { subscribe(userID) }
    func unsubscribe(_ userID: Int, on loop: any EventLoop) { unsubscribe(userID) }
}
