import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RESP

/// A client connection as the broker sees it: something to write published messages to.
final class Subscriber: Sendable {
    let channel: any Channel
    init(channel: any Channel) { self.channel = channel }
}

/// Who listens to which channel, for all connections of the server (Redis's `pubsub.c`).
/// Lookups are under one lock; writes to subscribers happen outside it.
final class PubSubBroker: Sendable {
    private let subscriptions = NIOLockedValueBox([String: [ObjectIdentifier: Subscriber]]())

    func subscribe(_ subscriber: Subscriber, to channel: String) {
        subscriptions.withLockedValue { $0[channel, default: [:]][ObjectIdentifier(subscriber)] = subscriber }
    }

    func unsubscribe(_ subscriber: Subscriber, from channel: String) {
        subscriptions.withLockedValue { table in
            table[channel]?[ObjectIdentifier(subscriber)] = nil
            if table[channel]?.isEmpty == true { table[channel] = nil }
        }
    }

    /// Sends `message` to every subscriber of `channel`; returns how many there were.
    func publish(_ message: ByteBuffer, to channel: ByteBuffer) -> Int {
        let name = String(buffer: channel)
        let receivers = subscriptions.withLockedValue { table in table[name].map { Array($0.values) } ?? [] }
        guard !receivers.isEmpty else { return 0 }
        // Encoded once; every subscriber shares the same bytes.
        let push = RESPValue.array([.bulk("message"), .bulkString(channel), .bulkString(message)]).encoded()
        for receiver in receivers {
            receiver.channel.writeAndFlush(push, promise: nil)
        }
        return receivers.count
    }

    /// PUBSUB NUMSUB: subscribers per channel, in the order asked.
    func subscriberCounts(_ channels: [String]) -> [Int] {
        subscriptions.withLockedValue { table in channels.map { table[$0]?.count ?? 0 } }
    }

    /// PUBSUB CHANNELS: channels with at least one subscriber, optionally matching a glob.
    func activeChannels(matching pattern: String?) -> [String] {
        let names = subscriptions.withLockedValue { Array($0.keys) }
        guard let pattern else { return names.sorted() }
        return names.filter { fnmatch(pattern, $0, 0) == 0 }.sorted()
    }
}
