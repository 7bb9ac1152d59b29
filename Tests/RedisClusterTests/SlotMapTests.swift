import RESP
import Testing

@testable import RedisCluster

@Suite("cluster slots and slot maps")
struct SlotMapTests {
    /// Slots as `CLUSTER KEYSLOT` of redis-server 7 answers them.
    @Test func hashSlotsMatchRedis() {
        #expect(HashSlot.of("foo") == 12182)
        #expect(HashSlot.of("somekey") == 11058)
        #expect(HashSlot.of("123456789") == 12739)
        #expect(HashSlot.of("") == 0)
        #expect(HashSlot.of("user:123:notifications") == HashSlot.of(Array("user:123:notifications".utf8)))
    }

    @Test func hashTagsHashOnlyTheirContent() {
        #expect(HashSlot.of("{user1000}.following") == HashSlot.of("{user1000}.followers"))
        #expect(HashSlot.of("{user1000}.following") == HashSlot.of("user1000"))
        // An empty tag, or no closing brace, hashes the whole key.
        #expect(HashSlot.of("{}foo") != HashSlot.of("foo"))
        #expect(HashSlot.of("foo{}{bar}") == HashSlot.of(Array("foo{}{bar}".utf8)))
        #expect(HashSlot.of("{bar") != HashSlot.of("bar"))
        #expect(HashSlot.of("foo{{bar}}zap") == HashSlot.of("{bar"))
    }

    static func node(_ port: Int, role: String, health: String = "online", endpoint: String = "127.0.0.1") -> RESPValue {
        .array([
            .bulk("id"), .bulk("id\(port)"), .bulk("port"), .integer(port), .bulk("ip"), .bulk("127.0.0.1"), .bulk("endpoint"),
            .bulk(endpoint), .bulk("role"), .bulk(role), .bulk("replication-offset"), .integer(1), .bulk("health"), .bulk(health),
        ])
    }

    static func shard(_ slots: [Int], _ nodes: [RESPValue]) -> RESPValue {
        .array([.bulk("slots"), .array(slots.map { .integer($0) }), .bulk("nodes"), .array(nodes)])
    }

    @Test func readsClusterShards() throws {
        let reply = RESPValue.array([
            Self.shard([0, 5460], [Self.node(7000, role: "master"), Self.node(7003, role: "replica")]),
            Self.shard([5461, 10922], [Self.node(7001, role: "master"), Self.node(7004, role: "replica")]),
            Self.shard([10923, 16000, 16001, 16383], [Self.node(7005, role: "replica"), Self.node(7002, role: "master")]),
        ])
        let map = try SlotMap.parse(shards: reply, asked: ClusterNodeAddress(host: "127.0.0.1", port: 7000))
        #expect(map.servedSlotCount == HashSlot.count)
        #expect(map.primary(forSlot: 0)?.port == 7000)
        #expect(map.primary(forSlot: 5461)?.port == 7001)
        #expect(map.primary(forSlot: 16383)?.port == 7002)
        #expect(map.primary(forChannel: "foo")?.port == 7002)
        #expect(map.shards[2].replicas.map(\.port) == [7005])
        #expect(map.slotRanges(of: ClusterNodeAddress(host: "127.0.0.1", port: 7002)) == "10923-16000,16001-16383")
        #expect(Set(map.nodes.map(\.port)) == [7000, 7001, 7002, 7003, 7004, 7005])
    }

    /// Mid-failover a shard can list its failed primary next to the promoted replica.
    @Test func prefersTheOnlinePrimaryAndSkipsShardsWithoutSlots() throws {
        let reply = RESPValue.array([
            Self.shard([0, 16383], [Self.node(7000, role: "master", health: "failed"), Self.node(7003, role: "master")]),
            Self.shard([], [Self.node(7009, role: "master")]),
        ])
        let map = try SlotMap.parse(shards: reply, asked: ClusterNodeAddress(host: "127.0.0.1", port: 7000))
        #expect(map.shards.count == 1)
        #expect(map.primary(forSlot: 42)?.port == 7003)
    }

    @Test func anUnknownEndpointIsTheNodeAsked() throws {
        let reply = RESPValue.array([Self.shard([0, 16383], [Self.node(7000, role: "master", endpoint: "?")])])
        let map = try SlotMap.parse(shards: reply, asked: ClusterNodeAddress(host: "10.0.0.7", port: 7000))
        #expect(map.primary(forSlot: 1)?.host == "127.0.0.1")
        let noIP = RESPValue.array([.array([.integer(0), .integer(16383), .array([.bulk(""), .integer(7000), .bulk("id")])])])
        #expect(try SlotMap.parse(slots: noIP, asked: ClusterNodeAddress(host: "10.0.0.7", port: 7000)).primary(forSlot: 9)?.host == "10.0.0.7")
    }

    @Test func readsClusterSlots() throws {
        let reply = RESPValue.array([
            .array([.integer(0), .integer(100), .array([.bulk("127.0.0.1"), .integer(7000), .bulk("a")]),
                    .array([.bulk("127.0.0.1"), .integer(7003), .bulk("d")])]),
            .array([.integer(101), .integer(16383), .array([.bulk("127.0.0.1"), .integer(7001), .bulk("b"), .array([])])]),
        ])
        let map = try SlotMap.parse(slots: reply, asked: ClusterNodeAddress(host: "127.0.0.1", port: 7000))
        #expect(map.primary(forSlot: 100)?.port == 7000)
        #expect(map.primary(forSlot: 101)?.port == 7001)
        #expect(map.shards[0].replicas.map(\.port) == [7003])
    }

    @Test func malformedRepliesAreErrorsNotTraps() {
        let asked = ClusterNodeAddress(host: "127.0.0.1", port: 7000)
        for reply: RESPValue in [
            .integer(3), .array([.integer(1)]), .array([Self.shard([0], [Self.node(7000, role: "master")])]),
            .array([Self.shard([5, 1], [Self.node(7000, role: "master")])]),
            .array([Self.shard([0, 99999], [Self.node(7000, role: "master")])]),
            .array([Self.shard([0, 10], [Self.node(7000, role: "replica")])]),
            .array([Self.shard([0, 10], [.array([.bulk("ip"), .bulk("x")])])]),
        ] {
            #expect(throws: ClusterError.self, "\(reply)") { try SlotMap.parse(shards: reply, asked: asked) }
        }
        #expect(throws: ClusterError.self) { try SlotMap.parse(slots: .array([.array([.integer(9), .integer(1)])]), asked: asked) }
    }

    @Test func movedUpdatesOneSlot() {
        var map = SlotMap(shards: [SlotMap.Shard(slots: [0...16383], primary: ClusterNodeAddress(host: "127.0.0.1", port: 7000))])
        let redirect = ClusterRedirect("MOVED 3999 127.0.0.1:7001")
        #expect(redirect == ClusterRedirect("MOVED 3999 :7001", askedHost: "127.0.0.1"))
        #expect(redirect?.isAsk == false)
        #expect(ClusterRedirect("ASK 3999 127.0.0.1:7001")?.isAsk == true)
        #expect(ClusterRedirect("MOVED x 127.0.0.1:7001") == nil)
        #expect(ClusterRedirect("ERR MOVED") == nil)
        #expect(ClusterRedirect("MOVED 99999 127.0.0.1:7001") == nil)
        map.move(slot: redirect!.slot, to: redirect!.node)
        #expect(map.primary(forSlot: 3999)?.port == 7001)
        #expect(map.primary(forSlot: 3998)?.port == 7000)
    }

    @Test func nodeListsParse() throws {
        #expect(try ClusterNodeAddress.list("127.0.0.1:7000, 127.0.0.1:7001,[::1]:7002").map(\.description)
            == ["127.0.0.1:7000", "127.0.0.1:7001", "[::1]:7002"])
        for bad in ["", "127.0.0.1", "127.0.0.1:0", "host:99999", ":7000", "a:b"] {
            #expect(throws: ClusterError.self, "\(bad)") { try ClusterNodeAddress.list(bad) }
        }
    }

    @Test func settingsChooseTheModeByTopology() throws {
        #expect(try RedisSettings(url: "redis://127.0.0.1:6379", clusterNodes: nil, pubSub: nil).pubSubMode == .classic)
        let cluster = try RedisSettings(url: "redis://:secret@127.0.0.1:6379", clusterNodes: "127.0.0.1:7000", pubSub: nil)
        #expect(cluster.pubSubMode == .sharded && cluster.isCluster)
        #expect(cluster.discovery().credentials.password == "secret")
        #expect(!cluster.summary.contains("secret"))
        #expect(try RedisSettings(url: "redis://127.0.0.1", clusterNodes: "127.0.0.1:7000", pubSub: "CLASSIC").pubSubMode == .classic)
        #expect(throws: RedisSettingsError.self) { try RedisSettings(url: "redis://127.0.0.1", clusterNodes: nil, pubSub: "fanout") }
    }
}
