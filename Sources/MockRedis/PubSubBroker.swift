import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RESP
import ServiceRuntime

/// Who listens to what, for every connection of the server (Redis's `pubsub.c`): channels,
/// glob patterns and shard channels. Names are bytes, as in Redis (binary-safe): owned,
/// compact `ByteBuffer`s, so that PUBLISH looks a channel up with the slice it was sent in.
/// Lookups are under one lock; writes to subscribers happen outside it.
final class PubSubBroker: Sendable {
    private struct Table {
        var channels: [ByteBuffer: [ObjectIdentifier: Subscriber]] = [:]
        var patterns: [GlobPattern: [ObjectIdentifier: Subscriber]] = [:]
        var shardChannels: [ByteBuffer: [ObjectIdentifier: Subscriber]] = [:]
    }

    enum Kind: Sendable {
        case channel, shardChannel
    }

    private let table = NIOLockedValueBox(Table())
    /// Messages for subscribers on other loops, one hop per loop per iteration.
    private let crossLoop: LoopDispatcher<Delivery>

    private struct Delivery: Sendable {
        let subscriber: Subscriber
        let message: PushMessage
    }

    init(eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        crossLoop = LoopDispatcher(group: eventLoopGroup, owner: { $0.subscriber.channel.eventLoop }) { deliveries in
            for delivery in deliveries { delivery.subscriber.deliverOnLoop(delivery.message) }
        }
    }

    /// At once on the subscriber's own loop, so that a message a client publishes to itself
    /// keeps its place among the replies; batched for the other loops.
    private func deliver(_ message: PushMessage, to subscriber: Subscriber) {
        if subscriber.channel.eventLoop.inEventLoop {
            subscriber.deliverOnLoop(message)
        } else {
            crossLoop.send(Delivery(subscriber: subscriber, message: message))
        }
    }

    func subscribe(_ subscriber: Subscriber, to channel: ByteBuffer, kind: Kind = .channel) {
        table.withLockedValue { table in
            switch kind {
            case .channel: table.channels[channel, default: [:]][ObjectIdentifier(subscriber)] = subscriber
            case .shardChannel: table.shardChannels[channel, default: [:]][ObjectIdentifier(subscriber)] = subscriber
            }
        }
    }

    func unsubscribe(_ subscriber: Subscriber, from channel: ByteBuffer, kind: Kind = .channel) {
        table.withLockedValue { table in
            switch kind {
            case .channel: Self.remove(subscriber, key: channel, from: &table.channels)
            case .shardChannel: Self.remove(subscriber, key: channel, from: &table.shardChannels)
            }
        }
    }

    func subscribe(_ subscriber: Subscriber, toPattern pattern: GlobPattern) {
        table.withLockedValue { $0.patterns[pattern, default: [:]][ObjectIdentifier(subscriber)] = subscriber }
    }

    func unsubscribe(_ subscriber: Subscriber, fromPattern pattern: GlobPattern) {
        table.withLockedValue { Self.remove(subscriber, key: pattern, from: &$0.patterns) }
    }

    private static func remove<Key>(_ subscriber: Subscriber, key: Key, from map: inout [Key: [ObjectIdentifier: Subscriber]]) {
        map[key]?[ObjectIdentifier(subscriber)] = nil
        if map[key]?.isEmpty == true { map[key] = nil }
    }

    /// PUBLISH: to the channel's subscribers, then to every matching pattern's (a client
    /// subscribed both ways gets both, as with Redis); returns how many messages went out.
    func publish(_ message: ByteBuffer, to channel: ByteBuffer) -> Int {
        let (direct, byPattern) = table.withLockedValue { table in
            let direct = Recipients(table.channels[channel])
            var byPattern: [(GlobPattern, [Subscriber])] = []
            for (pattern, subscribers) in table.patterns where pattern.matches(channel.readableBytesView) {
                byPattern.append((pattern, Array(subscribers.values)))
            }
            return (direct, byPattern)
        }
        var count = 0
        if !direct.isEmpty {
            let push = PushMessage(.message, channel, message)
            direct.forEach { deliver(push, to: $0) }
            count += direct.count
        }
        for (pattern, subscribers) in byPattern {
            let push = PushMessage(.patternMessage, ByteBuffer(bytes: pattern.bytes), channel, message)
            for subscriber in subscribers { deliver(push, to: subscriber) }
            count += subscribers.count
        }
        return count
    }

    /// SPUBLISH: to the shard channel's subscribers.
    func publishToShard(_ message: ByteBuffer, to channel: ByteBuffer) -> Int {
        let subscribers = table.withLockedValue { Recipients($0.shardChannels[channel]) }
        guard !subscribers.isEmpty else { return 0 }
        let push = PushMessage(.shardMessage, channel, message)
        subscribers.forEach { deliver(push, to: $0) }
        return subscribers.count
    }

    /// PUBSUB NUMSUB / SHARDNUMSUB: subscribers per channel, in the order asked.
    func subscriberCounts(_ channels: [ByteBuffer], kind: Kind = .channel) -> [Int] {
        table.withLockedValue { table in
            channels.map { (kind == .channel ? table.channels : table.shardChannels)[$0]?.count ?? 0 }
        }
    }

    /// PUBSUB NUMPAT: patterns with at least one subscriber.
    var patternCount: Int { table.withLockedValue { $0.patterns.count } }

    /// PUBSUB CHANNELS / SHARDCHANNELS: channels with at least one subscriber, optionally matching.
    func activeChannels(matching pattern: GlobPattern?, kind: Kind = .channel) -> [ByteBuffer] {
        let names = table.withLockedValue { Array((kind == .channel ? $0.channels : $0.shardChannels).keys) }
        guard let pattern else { return names }
        return names.filter { pattern.matches($0.readableBytesView) }
    }
}

/// A channel's subscribers, taken out of the table so that writing to them happens outside its
/// lock; most channels have one, which needs no array.
private enum Recipients {
    case none
    case one(Subscriber)
    case many([Subscriber])

    init(_ subscribers: [ObjectIdentifier: Subscriber]?) {
        guard let subscribers, let first = subscribers.first?.value else {
            self = .none
            return
        }
        self = subscribers.count == 1 ? .one(first) : .many(Array(subscribers.values))
    }

    var isEmpty: Bool { count == 0 }

    var count: Int {
        switch self {
        case .none: 0
        case .one: 1
        case .many(let subscribers): subscribers.count
        }
    }

    func forEach(_ body: (Subscriber) -> Void) {
        switch self {
        case .none: break
        case .one(let subscriber): body(subscriber)
        case .many(let subscribers): subscribers.forEach(body)
        }
    }
}
