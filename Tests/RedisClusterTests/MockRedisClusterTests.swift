import Logging
import NIOCore
import RESP
import RedisCluster
import ServiceLifecycle
import TestSupport
import Testing

@testable import MockRedis

/// mock-redis as a one-node cluster: the cluster code paths (slot map, SSUBSCRIBE per shard,
/// SPUBLISH by slot) without a real cluster.
@Suite("mock-redis as a one-node cluster")
struct MockRedisClusterTests {
    static func withClusterNode(_ body: @Sendable (_ port: Int) async throws -> Void) async throws {
        let bound = Announcement<Int>()
        var configuration = MockRedisConfiguration(host: "127.0.0.1", port: 0)
        configuration.clusterEnabled = true
        let server = MockRedisServer(configuration: configuration, logger: Logger(label: "mock-redis"), onBound: { bound.announce($0) })
        try await withServices([server]) { try await body(await bound.value) }
    }

    @Test func answersTheClusterCommandsAsOneNodeOwningEverySlot() async throws {
        try await Self.withClusterNode { port in
            let node = ClusterNodeAddress(host: "127.0.0.1", port: port)
            let map = try await ClusterDiscovery(seeds: [node]).slotMap(from: node)
            #expect(map.shards.count == 1)
            #expect(map.servedSlotCount == HashSlot.count)
            #expect(map.primary(forSlot: 16383) == node)
            let connection = try await RESPConnection.connect(to: RedisURL(port: port))
            #expect(try await connection.send(["CLUSTER", "KEYSLOT", "foo"]) == .integer(12182))
            let slots = try await connection.send(["CLUSTER", "SLOTS"])
            #expect(try SlotMap.parse(slots: slots, asked: node) == map)
            #expect(try await connection.send(["CLUSTER", "INFO"]).string?.contains("cluster_state:ok") == true)
            #expect(try await connection.send(["CLUSTER", "NODES"]).string?.contains("127.0.0.1:\(port)@\(port + 10000) myself,master") == true)
            #expect(try await connection.send(["INFO", "cluster"]).string?.contains("cluster_enabled:1") == true)
            await #expect(throws: RESPClientError.server("ERR SELECT is not allowed in cluster mode")) {
                try await connection.send(["SELECT", "1"])
            }
            let crossSlot = try await connection.pipeline([["SSUBSCRIBE", "a", "b"]])
            #expect(crossSlot == [.error("CROSSSLOT Keys in request don't hash to the same slot")])
            await connection.close()
        }
    }

    @Test func withoutClusterModeTheClusterCommandsAreRefusedAsByRedis() async throws {
        let bound = Announcement<Int>()
        let server = MockRedisServer(configuration: .init(host: "127.0.0.1", port: 0), logger: Logger(label: "mock-redis"),
                                     onBound: { bound.announce($0) })
        try await withServices([server]) {
            let connection = try await RESPConnection.connect(to: RedisURL(port: await bound.value))
            await #expect(throws: RESPClientError.server("ERR This instance has cluster support disabled")) {
                try await connection.send(["CLUSTER", "SHARDS"])
            }
            // Sharded pub/sub works on one Redis too (Redis 7), across slots.
            #expect(try await connection.pipeline([["SPUBLISH", "a", "m"]]) == [.integer(0)])
            await connection.close()
        }
    }

    @Test(arguments: PubSubMode.allCases)
    func subscriberAndPublisherDeliverThroughTheCluster(mode: PubSubMode) async throws {
        try await Self.withClusterNode { port in
            let inbox = Inbox()
            let discovery = ClusterDiscovery(seeds: [ClusterNodeAddress(host: "127.0.0.1", port: port)])
            let subscriber = ClusterSubscriber<Int>(
                configuration: .init(discovery: discovery, mode: mode), logger: Logger(label: "cluster-subscriber"),
                channels: userChannels, onMessage: inbox.record)
            let users = Array(1...50)
            for user in users { subscriber.subscribe(user) }
            try await withServices([subscriber]) {
                let channels = users.flatMap(userChannels)
                try await waitUntil("the subscriptions") {
                    guard subscriber.isConnected, let map = subscriber.slotMap else { return false }
                    return try await map.allSubscribed(channels, mode: mode)
                }
                #expect(subscriber.shards.map(\.channels) == [150])
                let publisher = ClusterPublisher(discovery: discovery, mode: mode)
                let replies = try await publisher.publish(channels.map { PublishedMessage(channel: $0, payload: "m-\($0)") })
                #expect(replies == Array(repeating: .integer(1), count: channels.count))
                try await inbox.wait(for: "every message") { $0.count == channels.count }
                #expect(channels.allSatisfy { inbox.payloads(of: $0) == ["m-\($0)"] })
                // A user gone: its channels are unsubscribed, the others stay.
                subscriber.unsubscribe(1)
                try await waitUntil("user 1's channels unsubscribed") {
                    try await publisher.publish([PublishedMessage(channel: "user:1:notifications", payload: "late")]) == [.integer(0)]
                }
                #expect(try await publisher.publish([PublishedMessage(channel: "user:2:notifications", payload: "again")]) == [.integer(1)])
                await publisher.close()
            }
        }
    }
}
