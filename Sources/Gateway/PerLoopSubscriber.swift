import NIOCore
import RESP
import RedisCluster
import ServiceLifecycle

/// One Redis subscriber connection per event loop, for one Redis server.
///
/// A user's channels are subscribed on the connection of each loop that holds one of the
/// user's sockets, and a message read on that connection is written to those sockets on the
/// same thread: a push never hops between threads (a hop costs a wake-up of the other loop,
/// which at a few thousand messages a second is most of a message's CPU). A user with sockets
/// on two loops is subscribed on both connections, and each delivers to its own loop's sockets.
final class PerLoopSubscriber: UserSubscriber {
    private let subscribers: [ObjectIdentifier: RedisSubscriber<Int>]
    private let all: [RedisSubscriber<Int>]

    /// `make` builds the subscriber whose connection lives on `loop`.
    init(loops: [any EventLoop], make: (any EventLoop) -> RedisSubscriber<Int>) {
        precondition(!loops.isEmpty, "a subscriber needs an event loop")
        var subscribers: [ObjectIdentifier: RedisSubscriber<Int>] = [:]
        var all: [RedisSubscriber<Int>] = []
        for loop in loops {
            let subscriber = make(loop)
            subscribers[ObjectIdentifier(loop)] = subscriber
            all.append(subscriber)
        }
        self.subscribers = subscribers
        self.all = all
    }

    var subscribesPerLoop: Bool { true }

    /// A loop outside the group (tests' embedded channels) shares the first connection.
    private func subscriber(for loop: any EventLoop) -> RedisSubscriber<Int> {
        subscribers[ObjectIdentifier(loop)] ?? all[0]
    }

    func subscribe(_ userID: Int, on loop: any EventLoop) { subscriber(for: loop).subscribe(userID) }
    func unsubscribe(_ userID: Int, on loop: any EventLoop) { subscriber(for: loop).unsubscribe(userID) }

    var isConnected: Bool { all.allSatisfy { $0.isConnected } }
    var reconnectCount: Int { all.reduce(0) { $0 + $1.reconnectCount } }
    var subscribedChannels: Set<String> { all.reduce(into: Set<String>()) { $0.formUnion($1.subscribedChannels) } }
    var shardStatus: [ClusterShardStatus]? { nil }

    func run() async throws {
        // The children see the graceful shutdown too (it is a task local).
        try await withThrowingDiscardingTaskGroup { group in
            for subscriber in all {
                group.addTask { try await subscriber.run() }
            }
        }
    }
}
