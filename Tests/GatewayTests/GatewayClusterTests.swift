import Foundation
import Logging
import Messages
import RESP
import RedisCluster
import TestSupport
import Testing

@testable import Gateway
@testable import MockRedis

/// The gateway over a Redis Cluster (`--redis-cluster-nodes`): a real 3-primary, 3-replica
/// redis-server cluster, and mock-redis as a one-node cluster.
@Suite("gateway over Redis Cluster")
struct GatewayClusterTests {
    enum ClusterKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case mock, real
        var testDescription: String { self == .mock ? "mock-redis one-node cluster" : "redis-server 3+3 cluster" }
    }

    static func run(_ kind: ClusterKind, mode: PubSubMode = .sharded, _ body: @Sendable (GatewayUnderTest, [ClusterNodeAddress]) async throws -> Void) async throws {
        switch kind {
        case .real:
            let cluster = try await RedisClusterProcess()
            do {
                try await runGateway(seeds: cluster.seeds, mode: mode, body)
            } catch {
                await cluster.stop()
                throw error
            }
            await cluster.stop()
        case .mock:
            let bound = Announcement<Int>()
            var configuration = MockRedisConfiguration(host: "127.0.0.1", port: 0)
            configuration.clusterEnabled = true
            let server = MockRedisServer(configuration: configuration, logger: Logger(label: "mock-redis"), onBound: { bound.announce($0) })
            try await withServices([server]) {
                try await runGateway(seeds: [ClusterNodeAddress(host: "127.0.0.1", port: await bound.value)], mode: mode, body)
            }
        }
    }

    static func runGateway(seeds: [ClusterNodeAddress], mode: PubSubMode, _ body: @Sendable (GatewayUnderTest, [ClusterNodeAddress]) async throws -> Void) async throws {
        // REDIS_URL names no server here: only the cluster's nodes are used.
        try await GatewayUnderTest.run(redisURL: "redis://127.0.0.1:1", configure: { configuration in
            configuration.redisClusterNodes = seeds.map(\.description).joined(separator: ",")
            configuration.redisPubSub = mode.rawValue
        }) { gateway in try await body(gateway, seeds) }
    }

    @Test(arguments: ClusterKind.allCases)
    func pushesReachEachUsersSocketsOnceAcrossShards(kind: ClusterKind) async throws {
        try await Self.run(kind) { gateway, seeds in
            let users = Array(300..<312)
            var sockets: [(user: Int, probe: WebSocketProbe)] = []
            for user in users {
                for _ in 0..<2 { sockets.append((user, try await gateway.connect(user: user))) }
            }
            let channels = users.flatMap { UserChannel.names(forUser: $0) }
            let discovery = ClusterDiscovery(seeds: seeds)
            try await waitUntil {
                guard let map = try? await discovery.slotMap() else { return false }
                return (try? await map.allSubscribed(channels, mode: .sharded)) == true
            }
            let publisher = ClusterPublisher(discovery: discovery)
            let messages = users.map { PublishedMessage(channel: "user:\($0):notifications", payload: #"{"type":"notification","data":{"for":\#($0)}}"#) }
            #expect(try await publisher.publish(messages) == Array(repeating: .integer(1), count: users.count))
            for (user, probe) in sockets {
                let pushed = try await probe.message(where: { $0.contains(#""for":"#) })
                #expect(pushed == #"{"type":"notification","data":{"for":\#(user)}}"#)
            }
            // A second round: each socket saw exactly its own user's two messages, nobody else's.
            _ = try await publisher.publish(messages)
            for (user, probe) in sockets {
                try await waitUntil("user \(user)'s second push") { probe.received.filter { $0.contains(#""for":"#) }.count >= 2 }
                #expect(probe.received.filter { $0.contains(#""for":"#) } == Array(repeating: #"{"type":"notification","data":{"for":\#(user)}}"#, count: 2))
            }
            let (_, health) = try await httpGetText("http://127.0.0.1:\(gateway.port)/health")
            let report = try JSONSerialization.jsonObject(with: Data(health.utf8)) as? [String: Any]
            #expect(report?["status"] as? String == "ok")
            let shards = report?["redis_shards"] as? [[String: Any]] ?? []
            #expect(shards.count == (kind == .real ? 3 : 1))
            #expect(shards.allSatisfy { $0["connected"] as? Bool == true })
            #expect(shards.compactMap { $0["channels"] as? Int }.reduce(0, +) == channels.count)
            let (_, metrics) = try await httpGetText("http://127.0.0.1:\(gateway.port)/metrics")
            for shard in shards {
                #expect(metrics.contains(#"gateway_redis_shard_connected{node="\#(shard["node"] as? String ?? "?")"} 1"#))
            }
            for (_, probe) in sockets { try await probe.close() }
            try await waitUntil { gateway.app.subscriber.subscribedChannels.isEmpty }
            await publisher.close()
        }
    }

    /// A cluster whose nodes require a password: REDIS_URL gives it, for every node.
    @Test func aPasswordProtectedClusterTakesREDIS_URLsPassword() async throws {
        let cluster = try await RedisClusterProcess(password: "cluster-secret")
        do {
            let seeds = cluster.seeds.map(\.description).joined(separator: ",")
            try await GatewayUnderTest.run(redisURL: "redis://:cluster-secret@127.0.0.1:1", configure: { $0.redisClusterNodes = seeds }) { gateway in
                let probe = try await gateway.connect(user: 88)
                let credentials = RedisURL(password: "cluster-secret")
                let discovery = ClusterDiscovery(seeds: cluster.seeds, credentials: credentials)
                let map = try await discovery.slotMap()
                try await waitUntil { (try? await map.allSubscribed(["user:88:notifications"], mode: .sharded, credentials: credentials)) == true }
                let publisher = ClusterPublisher(discovery: discovery)
                let payload = #"{"type":"notification","data":{"authed":true}}"#
                #expect(try await publisher.publish([PublishedMessage(channel: "user:88:notifications", payload: payload)]) == [.integer(1)])
                #expect(try await probe.message(where: { $0.contains("authed") }) == payload)
                // Without the password the cluster refuses the slot map.
                await #expect(throws: ClusterError.self) { try await ClusterDiscovery(seeds: cluster.seeds).slotMap() }
                await publisher.close()
                try await probe.close()
            }
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    /// `--redis-pubsub classic` over a cluster: SUBSCRIBE on one node, and a backend's PUBLISH
    /// on any node reaches it (the cluster copies it to every node).
    @Test func classicPubSubOverACluster() async throws {
        try await Self.run(.real, mode: .classic) { gateway, seeds in
            let probe = try await gateway.connect(user: 77)
            let map = try await ClusterDiscovery(seeds: seeds).slotMap()
            try await waitUntil { (try? await map.allSubscribed(["user:77:notifications"], mode: .classic)) == true }
            // Published on a node that is not the one subscribed.
            let other = try #require(map.shards.map(\.primary).first { $0 != map.primary(forSlot: 0) })
            let connection = try await RESPConnection.connect(to: RedisURL(host: other.host, port: other.port))
            try await connection.send(["PUBLISH", "user:77:notifications", #"{"type":"notification","data":{"classic":true}}"#])
            await connection.close()
            #expect(try await probe.message(where: { $0.contains("classic") }) == #"{"type":"notification","data":{"classic":true}}"#)
            try await probe.close()
        }
    }
}
