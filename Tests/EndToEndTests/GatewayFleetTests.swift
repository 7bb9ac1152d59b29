import AccessTokens
import AppConnection
import AsyncHTTPClient
import Foundation
import Logging
import Messages
import NIOConcurrencyHelpers
import RESP
import RedisCluster
import TestSupport
import Testing

/// Several gateways as a team runs them: three `gateway` processes over a real 3-primary,
/// 3-replica Redis Cluster (sharded pub/sub), behind Debian's nginx (least connections), with
/// 3,000 of the app's own reconnecting connections over 1,000 users. Every push reaches every
/// socket of its user exactly once; when a primary fails over, a gateway is killed or one
/// drains, the sockets come back through nginx and their pushes resume.
@Suite("gateways behind nginx over Redis Cluster", .serialized)
struct GatewayFleetTests {
    static let users = Array(1000..<2000)
    static let socketsPerUser = 3

    /// One app connection: what it received and whether it is connected now.
    final class Socket: Sendable {
        let user: Int
        private struct State {
            var connected = false
            var connections = 0
            var seqs: [Int] = []
            var foreign = 0
        }
        private let state = NIOLockedValueBox(State())
        let queue = OutboundQueue()

        init(user: Int) { self.user = user }

        func received(_ text: String) {
            guard let json = try? JSONReader.parse(text) else { return }
            if json["type"]?.stringValue == "connected" {
                state.withLockedValue { $0.connected = true; $0.connections += 1 }
                return
            }
            guard let data = json["data"], let user = data["user"]?.intValue, let seq = data["seq"]?.intValue else { return }
            state.withLockedValue { state in
                if user == self.user { state.seqs.append(seq) } else { state.foreign += 1 }
            }
        }

        func lost() { state.withLockedValue { $0.connected = false } }
        var isConnected: Bool { state.withLockedValue { $0.connected } }
        var connections: Int { state.withLockedValue { $0.connections } }
        var foreign: Int { state.withLockedValue { $0.foreign } }
        func seqs(in range: Range<Int>) -> [Int] { state.withLockedValue { $0.seqs.filter(range.contains) } }
    }

    struct Fleet: Sendable {
        let sockets: [Socket]
        let publisher: ClusterPublisher

        /// Publishes `seq` to every user's notifications; what each SPUBLISH answered.
        func publish(_ seq: Int) async throws -> [RESPValue] {
            try await publisher.publish(GatewayFleetTests.users.map { user in
                PublishedMessage(
                    channel: "user:\(user):notifications",
                    payload: #"{"type":"notification","title":"t","message":"m","data":{"user":\#(user),"seq":\#(seq)},"timestamp":"2025-01-29T12:00:00Z"}"#)
            })
        }

        /// Every socket connected and subscribed: warm-up rounds (seqs counting down from
        /// `firstWarmUp`) until each socket has received one of them.
        func waitUntilEverySocketReceives(from firstWarmUp: Int) async throws {
            try await waitUntil("every socket connected", timeout: .seconds(60)) { sockets.allSatisfy(\.isConnected) }
            let deadline = ContinuousClock.now + .seconds(30)
            var seq = firstWarmUp
            while true {
                _ = try await publish(seq)
                let sent = seq..<(firstWarmUp + 1)
                // A round takes one round trip per shard; the sockets get a moment to read it.
                try await Task.sleep(for: .milliseconds(50))
                if sockets.allSatisfy({ !$0.seqs(in: sent).isEmpty }) { return }
                guard ContinuousClock.now < deadline else { throw TestSupportError("not every socket receives pushes") }
                seq -= 1
            }
        }

        /// Rounds `seqs`: each socket must hold exactly these, in order.
        func expectEveryRoundOnce(_ seqs: Range<Int>, _ label: String) async throws {
            for seq in seqs { _ = try await publish(seq) }
            let expected = Array(seqs)
            try await waitUntil("\(label): every round on every socket", timeout: .seconds(30)) {
                sockets.allSatisfy { $0.seqs(in: seqs).count >= expected.count }
            }
            let wrong = sockets.filter { $0.seqs(in: seqs) != expected }
            #expect(wrong.isEmpty, "\(label): \(wrong.count) sockets got \(wrong.first.map { $0.seqs(in: seqs) } ?? [])")
        }
    }

    static func health(_ gateway: ServerProcess) async throws -> [String: Any] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(gateway.port)/health"), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 1 << 20)
        return try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] ?? [:]
    }

    @Test func pushesSurviveAFailoverAKilledGatewayAndADrain() async throws {
        let cluster = try await RedisClusterProcess()
        var gateways: [ServerProcess] = []
        var nginx: NginxProcess?
        var tasks: [Task<Void, Never>] = []
        do {
            for _ in 0..<3 {
                gateways.append(try await ServerProcess(
                    "gateway",
                    arguments: ["--redis-cluster-nodes", cluster.seedList, "--backend-url", "http://127.0.0.1:1", "--drain-timeout", "1"],
                    environment: ["JWT_SECRET": Stack.jwtSecret]))
            }
            let instances = gateways
            let balancer = try await NginxProcess(upstreams: instances.map(\.port))
            nginx = balancer
            let signer = HS256(secret: Stack.jwtSecret)
            let sockets = Self.users.flatMap { user in (0..<Self.socketsPerUser).map { _ in Socket(user: user) } }
            let logger = Logger(label: "app")
            for socket in sockets {
                let token = try signer.sign(TokenClaims.laravel(userID: socket.user, issuer: "e2e", ttl: 3600))
                var connection = ReconnectingConnection(gatewayURL: "ws://127.0.0.1:\(balancer.port)/", token: token, logger: logger)
                connection.backoff = Backoff(initial: .milliseconds(200), maximum: .seconds(2))
                tasks.append(Task {
                    _ = await connection.run(queue: socket.queue, onMessage: socket.received) { status in
                        if status.hasPrefix("disconnected") || status.hasPrefix("cannot reach") { socket.lost() }
                    }
                })
            }
            let fleet = Fleet(sockets: sockets, publisher: ClusterPublisher(discovery: ClusterDiscovery(seeds: cluster.seeds)))

            // 1. Spread by nginx over three gateways; every push once on every socket.
            try await fleet.waitUntilEverySocketReceives(from: -1)
            var held: [Int] = []
            for gateway in instances { held.append(try await Self.health(gateway)["connections"] as? Int ?? -1) }
            #expect(held.reduce(0, +) == sockets.count)
            #expect(held.allSatisfy { $0 > sockets.count / 5 }, "nginx spread \(held)")
            try await fleet.expectEveryRoundOnce(0..<5, "three gateways")

            // 2. A primary killed: pushes resume once its replica is promoted.
            let map = try await ClusterDiscovery(seeds: cluster.seeds).slotMap()
            let victimAddress = try #require(map.primary(forChannel: "user:\(Self.users[0]):notifications"))
            let victim = try #require(cluster.nodes.first { $0.port == victimAddress.port })
            await cluster.kill(victim)
            let killed = ContinuousClock.now
            var seq = 100
            var fullRounds = 0
            while fullRounds < 3, ContinuousClock.now - killed < .seconds(30) {
                let replies = try await fleet.publish(seq)
                fullRounds = replies.allSatisfy { ($0.integer ?? 0) >= 1 } ? fullRounds + 1 : 0
                seq += 1
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(fullRounds == 3, "pushes did not resume within 30 s of the primary's death")
            print("fleet: pushes resumed \(ContinuousClock.now - killed) after a primary was killed")
            try await fleet.expectEveryRoundOnce(1000..<1005, "after the failover")
            #expect(sockets.allSatisfy { $0.foreign == 0 })

            // 3. A gateway killed: its sockets reconnect through nginx to the others.
            await instances[0].stop()
            let gatewayKilled = ContinuousClock.now
            try await waitUntil("sockets of the killed gateway lost") { sockets.contains { !$0.isConnected } }
            try await waitUntil("sockets all reconnected", timeout: .seconds(60)) { sockets.allSatisfy(\.isConnected) }
            let dropped = Set(sockets.filter { $0.connections >= 2 }.map(\.user))
            let kept = Set(sockets.filter { $0.connections == 1 }.map(\.user))
            // Some user had sockets on the killed instance and on another.
            #expect(!dropped.intersection(kept).isEmpty)
            try await fleet.waitUntilEverySocketReceives(from: -20_000)
            print("fleet: every socket receiving again \(ContinuousClock.now - gatewayKilled) after a gateway was killed")
            try await fleet.expectEveryRoundOnce(2000..<2005, "after a gateway was killed")

            // 4. A gateway drains (SIGTERM): its sockets close with 1001 and come back on the last one.
            instances[1].terminate()
            try await waitUntil("the drained gateway gone", timeout: .seconds(20)) { !instances[1].isRunning }
            try await waitUntil("sockets all reconnected after the drain", timeout: .seconds(60)) { sockets.allSatisfy(\.isConnected) }
            try await fleet.waitUntilEverySocketReceives(from: -40_000)
            #expect(try await Self.health(instances[2])["connections"] as? Int == sockets.count)
            try await fleet.expectEveryRoundOnce(3000..<3005, "after a drain")
            #expect(sockets.allSatisfy { $0.foreign == 0 })

            for socket in sockets { await socket.queue.finish() }
            for task in tasks { task.cancel() }
            await fleet.publisher.close()
        } catch {
            for gateway in gateways { print("---- gateway log ----\n\(gateway.output.suffix(3000))") }
            for task in tasks { task.cancel() }
            for gateway in gateways { await gateway.stop() }
            await nginx?.stop()
            await cluster.stop()
            throw error
        }
        for gateway in gateways { await gateway.stop() }
        await nginx?.stop()
        await cluster.stop()
    }
}
