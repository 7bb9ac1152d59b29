import Logging
import Messages
import NIOConcurrencyHelpers
import NIOCore
import RESP
import RedisCluster
import TestSupport
import Testing

@testable import MockBackend

/// mock-backend on a real Redis Cluster (`--redis-cluster-nodes`): its outbox goes out with
/// SPUBLISH to each channel's shard, in order per user.
@Suite("mock-backend publishing to Redis Cluster")
struct ClusterPublishTests {
    @Test func sessionUpdatesReachASubscriberOnTheChannelsShardInOrder() async throws {
        let cluster = try await RedisClusterProcess()
        let received = NIOLockedValueBox<[String: [JSONValue]]>([:])
        let subscriber = ClusterSubscriber<Int>(
            configuration: .init(discovery: ClusterDiscovery(seeds: cluster.seeds)), logger: Logger(label: "subscriber"),
            channels: { UserChannel.names(forUser: $0) },
            onMessage: { channel, payload in
                let json = (try? JSONCoding.decode(JSONValue.self, from: String(buffer: payload))) ?? .null
                received.withLockedValue { $0[String(buffer: channel), default: []].append(json) }
            })
        subscriber.subscribe(123)
        do {
            try await withServices([subscriber]) {
                try await waitUntil("user 123's channels subscribed") {
                    guard let map = subscriber.slotMap else { return false }
                    return try await map.allSubscribed(UserChannel.names(forUser: 123), mode: .sharded)
                }
                try await BackendUnderTest.run(configure: { $0.redisClusterNodes = cluster.seedList }) { backend, client in
                    let token = try backend.token(user: 123)
                    let (_, started) = try await client.action("start_charging", #"{"charger_id":"CP001"}"#, user: 123, token: token)
                    let transaction = try #require(started["data"]?["transaction_id"]?.intValue)
                    for energy in 1...5 {
                        let event = #"{"event":"meter_value","charger_id":"CP001","transaction_id":\#(transaction),"data":{"energy_delivered":\#(energy),"power":7.2,"meter_value":\#(energy * 1000),"timestamp":"2025-01-29T12:0\#(energy):00Z"}}"#
                        #expect(try await client.post("/api/cms/events", json: event, bearer: BackendUnderTest.cmsSecret).0 == .ok)
                    }
                    try await waitUntil("five session updates") { received.withLockedValue { $0["user:123:session_updates"]?.count ?? 0 } >= 5 }
                    let energies = received.withLockedValue { $0["user:123:session_updates"] ?? [] }.map { $0["data"]?["energy_delivered"] }
                    #expect(energies == [1, 2, 3, 4, 5])
                    try await waitUntil { try await client.get("/health").1["outbox"] == 0 }
                    #expect(try await client.get("/health").1["redis"] == "up")
                }
            }
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }
}
