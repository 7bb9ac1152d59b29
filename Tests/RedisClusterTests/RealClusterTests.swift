import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import RESP
import RedisCluster
import ServiceLifecycle
import TestSupport
import Testing

/// The cluster code against a real Redis Cluster: 3 primaries, 3 replicas, redis-server 7.
/// Every published message that Redis says it delivered reaches the subscriber exactly once;
/// a failover and a slot migration lose only what is published while the subscriber moves,
/// and that window is counted.
@Suite("sharded pub/sub on a real Redis Cluster", .serialized)
struct RealClusterTests {
    static let users = Array(1...100)
    static let channels = users.flatMap(userChannels)

    struct Run: Sendable {
        let cluster: RedisClusterProcess
        let discovery: ClusterDiscovery
        let subscriber: ClusterSubscriber<Int>
        let inbox: Inbox
    }

    static func withSubscribedCluster(_ body: @Sendable (Run) async throws -> Void) async throws {
        let cluster = try await RedisClusterProcess()
        let discovery = ClusterDiscovery(seeds: cluster.nodes.map { ClusterNodeAddress(host: "127.0.0.1", port: $0.port) })
        let inbox = Inbox()
        let subscriber = ClusterSubscriber<Int>(
            configuration: .init(discovery: discovery), logger: Logger(label: "cluster-subscriber"), channels: userChannels,
            onMessage: inbox.record)
        for user in users { subscriber.subscribe(user) }
        do {
            try await withServices([subscriber]) {
                try await waitUntil("every channel subscribed on its shard") {
                    guard subscriber.isConnected, let map = subscriber.slotMap else { return false }
                    return try await map.allSubscribed(channels, mode: .sharded)
                }
                try await body(Run(cluster: cluster, discovery: discovery, subscriber: subscriber, inbox: inbox))
            }
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    /// One publish per channel per round; what Redis answered for each.
    struct Ledger: Sendable {
        var delivered: [String: [String]] = [:]
        var lost = 0
        var lostChannels: Set<String> = []
        /// What Redis answered for the lost ones: `0` (no subscriber) or the error's first word.
        var lostReplies: [String: Int] = [:]
        var roundsFullyDelivered: [Int] = []

        mutating func record(round: Int, replies: [RESPValue]) {
            var full = true
            for (channel, reply) in zip(RealClusterTests.channels, replies) {
                if case .integer(let receivers) = reply, receivers >= 1 {
                    delivered[channel, default: []].append("r\(round)")
                } else {
                    lost += 1
                    lostChannels.insert(channel)
                    let kind = switch reply {
                    case .integer(let count): "\(count)"
                    case .error(let message): String(message.prefix { $0 != " " })
                    default: "other"
                    }
                    lostReplies[kind, default: 0] += 1
                    full = false
                }
            }
            if full { roundsFullyDelivered.append(round) }
        }

        var deliveredCount: Int { delivered.values.reduce(0) { $0 + $1.count } }
    }

    static func publishRound(_ round: Int, with publisher: ClusterPublisher) async throws -> [RESPValue] {
        try await publisher.publish(channels.map { PublishedMessage(channel: $0, payload: "r\(round)") })
    }

    /// Every message Redis delivered arrived, once, in order per channel; nothing else did.
    static func expectExactlyOnce(_ ledger: Ledger, in inbox: Inbox) async throws {
        try await inbox.wait(for: "every delivered message") { $0.count >= ledger.deliveredCount }
        let received = inbox.all
        for channel in channels {
            #expect(received[channel] ?? [] == ledger.delivered[channel] ?? [], "\(channel)")
        }
        #expect(inbox.count == ledger.deliveredCount)
    }

    @Test func everyShardCarriesItsChannelsAndEveryMessageArrivesOnce() async throws {
        try await Self.withSubscribedCluster { run in
            let shards = run.subscriber.shards
            #expect(shards.count == 3)
            #expect(shards.allSatisfy { $0.connected })
            #expect(shards.map(\.channels).reduce(0, +) == Self.channels.count)
            let map = try #require(run.subscriber.slotMap)
            for shard in shards {
                #expect(shard.channels == Self.channels.filter { map.primary(forChannel: $0) == shard.node }.count)
            }
            let publisher = ClusterPublisher(discovery: run.discovery)
            var ledger = Ledger()
            for round in 0..<5 { ledger.record(round: round, replies: try await Self.publishRound(round, with: publisher)) }
            #expect(ledger.lost == 0)
            try await Self.expectExactlyOnce(ledger, in: run.inbox)
            await publisher.close()
        }
    }

    @Test func aPrimaryKilledFailsOverAndPushesResumeWithinASecondOfTheNewSlotMap() async throws {
        try await Self.withSubscribedCluster { run in
            let map = try #require(run.subscriber.slotMap)
            let slot = HashSlot.of(Self.channels[0])
            let victimAddress = try #require(map.primary(forSlot: slot))
            let victim = try #require(run.cluster.nodes.first { $0.port == victimAddress.port })
            let survivors = run.cluster.nodes.filter { $0 != victim }
            let publisher = ClusterPublisher(discovery: run.discovery)
            var ledger = Ledger()
            for round in 0..<3 { ledger.record(round: round, replies: try await Self.publishRound(round, with: publisher)) }
            // What Redis wrote before the kill has reached the subscriber.
            let beforeKill = ledger.deliveredCount
            try await run.inbox.wait(for: "the rounds before the kill") { $0.count == beforeKill }
            await run.cluster.kill(victim)
            let killed = ContinuousClock.now
            var promoted: ContinuousClock.Instant?
            var resumed: ContinuousClock.Instant?
            var round = 3
            while resumed == nil || ledger.roundsFullyDelivered.filter({ $0 > 3 }).count < 3 {
                #expect(ContinuousClock.now - killed < .seconds(30), "no failover within 30 s")
                if ContinuousClock.now - killed > .seconds(30) { break }
                let started = ContinuousClock.now
                ledger.record(round: round, replies: try await Self.publishRound(round, with: publisher))
                if promoted == nil, let owner = try await run.cluster.primary(forSlot: slot, askingAnyOf: survivors), owner != victim {
                    promoted = ContinuousClock.now
                }
                if promoted != nil, resumed == nil, ledger.roundsFullyDelivered.last == round { resumed = started }
                round += 1
            }
            let newMap = try #require(promoted)
            let back = try #require(resumed)
            print("failover: slot map changed \(newMap - killed) after the kill; every push delivered again \(back - newMap) after the test saw it; \(ledger.lost) publishes reached no subscriber \(ledger.lostReplies)")
            #expect(back - newMap < .seconds(1))
            // Only the dead shard's channels missed anything.
            let victimChannels = Set(Self.channels.filter { map.primary(forChannel: $0) == victimAddress })
            #expect(ledger.lostChannels.isSubset(of: victimChannels))
            #expect(ledger.roundsFullyDelivered.allSatisfy { $0 < 3 || $0 >= ledger.roundsFullyDelivered.first { $0 >= 3 }! })
            try await Self.expectExactlyOnce(ledger, in: run.inbox)
            #expect(run.subscriber.shards.allSatisfy { $0.connected })
            #expect(!run.subscriber.shards.contains { $0.node.port == victim.port })
            await publisher.close()
        }
    }

    @Test func slotsMigratedMidRunMoveTheirChannelsToTheNewPrimary() async throws {
        try await Self.withSubscribedCluster { run in
            let map = try #require(run.subscriber.slotMap)
            let source = try #require(map.shards.first)
            let target = try #require(map.shards.last)
            let sourceNode = try #require(run.cluster.nodes.first { $0.port == source.primary.port })
            let targetNode = try #require(run.cluster.nodes.first { $0.port == target.primary.port })
            let (sourceID, targetID) = (try await run.cluster.nodeID(of: sourceNode), try await run.cluster.nodeID(of: targetNode))
            let moving = 1500
            let firstSlots = Set(source.slots.flatMap { Array($0) }.sorted().prefix(moving))
            let moved = Self.channels.filter { firstSlots.contains(HashSlot.of($0)) }
            #expect(!moved.isEmpty)
            let publisher = ClusterPublisher(discovery: run.discovery)
            var ledger = Ledger()
            let reshardDone = NIOLockedValueBox(false)
            let reshard = Task.detached {
                defer { reshardDone.withLockedValue { $0 = true } }
                return try runCommand(RedisClusterProcess.redisCLI, [
                    "--cluster", "reshard", sourceNode.address, "--cluster-from", sourceID, "--cluster-to", targetID,
                    "--cluster-slots", String(moving), "--cluster-yes",
                ], timeout: 60)
            }
            var round = 0
            var finished: ContinuousClock.Instant?
            var resumed: ContinuousClock.Instant?
            let started = ContinuousClock.now
            while resumed == nil || ledger.roundsFullyDelivered.filter({ $0 >= round - 10 }).count < 3 {
                if ContinuousClock.now - started > .seconds(60) { break }
                let roundStart = ContinuousClock.now
                ledger.record(round: round, replies: try await Self.publishRound(round, with: publisher))
                if finished == nil, reshardDone.withLockedValue({ $0 }) { finished = ContinuousClock.now }
                if finished != nil, resumed == nil, ledger.roundsFullyDelivered.last == round { resumed = roundStart }
                round += 1
            }
            let output = try await reshard.value
            #expect(output.contains("Moving slot"), "\(output.suffix(500))")
            let done = try #require(finished)
            let back = try #require(resumed)
            print("slot migration: \(moving) slots, \(moved.count) of our channels moved; pushes fully delivered \(back - done) after reshard ended; \(ledger.lost) publishes reached no subscriber in \(round) rounds \(ledger.lostReplies)")
            #expect(back - done < .seconds(1))
            // Only channels whose slot moved can miss a push, while they move.
            #expect(ledger.lostChannels.isSubset(of: Set(moved)))
            try await Self.expectExactlyOnce(ledger, in: run.inbox)
            // The subscriber's map follows the move (its next read of CLUSTER SHARDS may come
            // a little after the last push was delivered again, under a loaded machine).
            try await waitUntil(timeout: .seconds(15)) {
                guard let map = run.subscriber.slotMap else { return false }
                return moved.allSatisfy { map.primary(forChannel: $0) == target.primary }
            }
            // And every channel ends up subscribed once, where its slot now lives (the
            // SSUBSCRIBE on the new owner may still be on its way when the map has moved).
            try await waitUntil(timeout: .seconds(15)) {
                guard let now = run.subscriber.slotMap else { return false }
                return try await now.allSubscribed(Self.channels, mode: .sharded)
            }
            await publisher.close()
        }
    }
}

