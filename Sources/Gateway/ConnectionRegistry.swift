import Logging
import Messages
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOWebSocket
import RESP
import ServiceRuntime

/// Which sockets belong to which user, on this instance. The first socket of a user subscribes
/// the user's three channels; the last one to leave unsubscribes them. A message published on a
/// user's channel goes, unchanged, to that user's sockets and no one else's.
///
/// Messages are written at the end of the Redis connection's loop iteration: under load one
/// read of Redis carries many messages, and then each socket costs one flush and each other
/// loop one hop, instead of one of each per message.
final class ConnectionRegistry: Sendable {
    /// A frame for a socket, waiting for the end of the iteration.
    struct Delivery: Sendable {
        let socket: any Channel
        /// Encoded once, for every socket of the user.
        let frame: ByteBuffer
    }

    private struct State {
        /// A user has one socket or a few: an array is smaller than a dictionary.
        var users: [Int: [any Channel]] = [:]
        var count = 0
    }

    private let state = NIOLockedValueBox(State())
    let maxConnections: Int
    private let metrics: GatewayMetrics
    /// Set once, before the server accepts anything.
    private let subscriptions = NIOLockedValueBox<(any ChannelSubscriptions)?>(nil)
    private let deliveries: LoopDispatcher<Delivery>

    init(maxConnections: Int, metrics: GatewayMetrics, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.maxConnections = maxConnections
        self.metrics = metrics
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
        return state.withLockedValue { state in
            guard state.count < maxConnections else { return false }
            state.count += 1
            let isFirst = state.users[userID] == nil
            state.users[userID, default: []].append(channel)
            // Under the lock, so a user's subscribe and unsubscribe cannot cross.
            if isFirst { subscriber?.subscribe(UserChannel.names(forUser: userID)) }
            return true
        }
    }

    func unregister(_ channel: any Channel, userID: Int) {
        let subscriber = subscriptions.withLockedValue { $0 }
        state.withLockedValue { state in
            guard let index = state.users[userID]?.firstIndex(where: { $0 === channel }) else { return }
            state.users[userID]?.remove(at: index)
            state.count -= 1
            if state.users[userID]?.isEmpty == true {
                state.users[userID] = nil
                subscriber?.unsubscribe(UserChannel.names(forUser: userID))
            }
        }
    }

    /// Forwards a Redis message to the sockets of the channel's user; returns how many.
    @discardableResult
    func deliver(channel name: ByteBuffer, payload: ByteBuffer) -> Int {
        guard let (userID, _) = name.withUnsafeReadableBytes({ UserChannel.parse($0) }) else { return 0 }
        let sockets = state.withLockedValue { state in state.users[userID] ?? [] }
        guard !sockets.isEmpty else { return 0 }
        let frame = WebSocketFrameCodec.frame(.text, payload: payload, allocator: sockets[0].allocator)
        var delivered = 0
        for socket in sockets {
            // Past the high-water mark the app is not reading: it is closed, not waited for.
            guard socket.isWritable else {
                socket.pipeline.fireUserInboundEventTriggered(SlowConsumerEvent())
                continue
            }
            deliveries.send(Delivery(socket: socket, frame: frame))
            delivered += 1
        }
        metrics.pushesOut.increment(by: Int64(delivered))
        return delivered
    }

    /// On the sockets' loop: writes in order, then one flush per socket.
    private static func write(_ deliveries: [Delivery]) {
        for delivery in deliveries { delivery.socket.write(delivery.frame, promise: nil) }
        var flushed = Set<ObjectIdentifier>()
        for delivery in deliveries where flushed.insert(ObjectIdentifier(delivery.socket)).inserted {
            delivery.socket.flush()
        }
    }

    /// Every socket, for shutdown.
    var allChannels: [any Channel] {
        state.withLockedValue { state in state.users.values.flatMap { $0 } }
    }
}

/// What the registry needs from the Redis subscriber (a protocol, so tests can watch it).
protocol ChannelSubscriptions: Sendable {
    func subscribe(_ channels: [String])
    func unsubscribe(_ channels: [String])
}

extension RedisSubscriber: ChannelSubscriptions {}
