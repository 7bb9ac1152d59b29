import AppConnection
import ArgumentParser
import AsyncHTTPClient
import Dispatch
import Foundation
import Messages
import NIOCore
import RESP
import RedisCluster
import ServiceRuntime

/// `client bench ...`: load for the gateway, with figures. The gateway's memory and CPU time
/// come from /proc (`--gateway-pid`): CPU time per operation is the figure to trust on a
/// shared machine, where throughput is bounded by this tool.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Load the gateway and print figures.",
        subcommands: [IdleBench.self, FanOutBench.self, ActionBench.self, RedisFanOutBench.self, BackendBench.self, CMSBench.self])
}

struct BenchTarget: ParsableArguments {
    @Option(name: .customLong("gateway-url"), help: "Gateway (env GATEWAY_URL, default ws://127.0.0.1:8080).") var gatewayURL: String?
    @Option(name: .customLong("jwt-secret"), help: "Secret to mint the users' tokens (env JWT_SECRET).") var jwtSecret: String?
    @Option(name: .customLong("gateway-pid"), help: "The gateway's process id, to read its memory and CPU time.") var gatewayPID: Int32?
    @Option(help: "Spread connections over this many source addresses, 127.0.0.2 and up.") var sources: Int = 1
    @Option(name: .customLong("first-user"), help: "User id of the first connection.") var firstUser: Int = 100_000

    var hostAndPort: (String, Int) {
        let url = URL(string: EnvironmentFallback().string(gatewayURL, "GATEWAY_URL", default: "ws://127.0.0.1:8080"))
        return (url?.host ?? "127.0.0.1", url?.port ?? 8080)
    }

    func secret() throws -> String {
        try EnvironmentFallback().required(jwtSecret, "JWT_SECRET", option: "--jwt-secret")
    }

    func sample() -> ProcessSample? { gatewayPID.flatMap(ProcessSample.of) }

    /// Opens one connection per user, `concurrency` at a time; returns them once all are connected.
    func connect(users: Int, concurrency: Int, events: BenchEvents) async throws -> (channels: [any Channel], seconds: Double) {
        let secret = try secret()
        let (host, port) = hostAndPort
        let tokens = try (0..<users).map { try DevelopmentToken.mint(userID: firstUser + $0, secret: secret) }
        let started = ContinuousClock.now
        var channels: [any Channel] = []
        channels.reserveCapacity(users)
        var next = 0
        while next < users {
            let batch = next..<min(users, next + concurrency)
            let before = events.connected
            let opened = try await withThrowingTaskGroup(of: (any Channel).self) { group in
                for index in batch {
                    let source = sources > 1 ? "127.0.0.\(2 + index % sources)" : nil
                    group.addTask {
                        try await BenchConnection.open(host: host, port: port, path: "/?token=\(tokens[index])", source: source, events: events)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            channels += opened
            try await waitFor("connected", timeout: .seconds(30)) { events.connected >= before + batch.count }
            next = batch.upperBound
        }
        return (channels, (ContinuousClock.now - started).seconds)
    }
}

func waitFor(_ what: String, timeout: Duration, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw ValidationError("timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(5))
    }
}


/// Idle authenticated connections: memory per connection and handshakes per second.
struct IdleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "idle", abstract: "Hold idle connections; print memory per connection.")

    @OptionGroup var target: BenchTarget
    @Option(help: "Connections to open.") var connections: Int = 10_000
    @Option(help: "Handshakes in flight at once.") var concurrency: Int = 200
    @Option(help: "Seconds to hold the connections before measuring.") var settle: Double = 2

    func run() async throws {
        let events = BenchEvents()
        let before = target.sample()
        let (channels, seconds) = try await target.connect(users: connections, concurrency: concurrency, events: events)
        try await Task.sleep(for: .milliseconds(Int64(settle * 1000)))
        let after = target.sample()
        print(String(format: "idle: %d connections open in %.2f s: %.0f handshakes/s", channels.count, seconds, Double(channels.count) / seconds))
        if let before, let after {
            let perConnection = Double(after.residentBytes - before.residentBytes) / Double(channels.count)
            print(String(format: "idle: gateway RSS %.1f MB -> %.1f MB: %.2f KB per connection; %.1f us gateway CPU per handshake",
                         Double(before.residentBytes) / 1e6, Double(after.residentBytes) / 1e6, perConnection / 1024,
                         (after.cpuSeconds - before.cpuSeconds) * 1e6 / Double(channels.count))
                  + after.allocations(since: before, per: channels.count, "handshake") + Self.liveBlocks(before, after, channels.count))
        }
        for channel in channels { channel.close(promise: nil) }
        try await waitFor("close", timeout: .seconds(30)) { events.closed >= channels.count }
    }

    /// Heap blocks an idle socket keeps, when the gateway's allocations are counted.
    static func liveBlocks(_ before: ProcessSample, _ after: ProcessSample, _ connections: Int) -> String {
        guard let then = before.heap, let now = after.heap, connections > 0 else { return "" }
        return String(format: "; %.1f heap blocks held per connection", Double(now.live - then.live) / Double(connections))
    }
}

/// Redis -> gateway -> apps: delivered messages per second, publish-to-receive latency.
struct FanOutBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fanout", abstract: "Publish to many users; print delivery rate and latency.")

    @OptionGroup var target: BenchTarget
    @Option(name: .customLong("redis-url"), help: "The Redis the gateway subscribes to (env REDIS_URL).") var redisURL: String?
    @Option(name: .customLong("redis-cluster-nodes"), help: "host:port,... of the Redis Cluster the gateway subscribes on: messages go out with SPUBLISH to each channel's shard (env REDIS_CLUSTER_NODES).") var redisClusterNodes: String?
    @Option(name: .customLong("redis-pubsub"), help: "sharded or classic (env REDIS_PUBSUB, default sharded for a cluster, classic for one Redis).") var redisPubSub: String?
    @Option(help: "Users, one connection each.") var users: Int = 1_000
    @Option(help: "Messages to publish in each run.") var messages: Int = 50_000
    @Option(help: "Publish rate of the paced run, messages per second.") var rate: Double = 5_000

    func validate() throws {
        guard users >= 1 else { throw ValidationError("--users must be 1 or more.") }
        try BenchPublisher.validate(messages: messages, rate: rate)
    }

    func run() async throws {
        let events = BenchEvents()
        let (channels, _) = try await target.connect(users: users, concurrency: 200, events: events)
        let env = EnvironmentFallback()
        let settings = try RedisSettings(
            url: env.string(redisURL, "REDIS_URL", default: "redis://127.0.0.1:6379"),
            clusterNodes: env.optionalString(redisClusterNodes, "REDIS_CLUSTER_NODES"), pubSub: env.optionalString(redisPubSub, "REDIS_PUBSUB"))
        // One connection for one classic Redis, as before; a cluster's publisher otherwise.
        let single = settings.isCluster || settings.pubSubMode == .sharded ? nil : try await RESPConnection.connect(to: settings.url)
        let publisher = settings.makePublisher()
        // Wait until the gateway has subscribed every user's channels.
        let lastChannel = UserChannel.notifications.name(forUser: target.firstUser + users - 1)
        try await waitFor("the gateway's subscriptions", timeout: .seconds(30)) {
            if let single { return try await single.send(["PUBSUB", "NUMSUB", lastChannel]).array?.last?.integer ?? 0 > 0 }
            let map = settings.isCluster
                ? try await settings.discovery().slotMap()
                : SlotMap(shards: [.init(slots: [0...16383], primary: ClusterNodeAddress(host: settings.url.host, port: settings.url.port))])
            return try await map.subscriberCounts(of: [lastChannel], mode: settings.pubSubMode, credentials: settings.url)[lastChannel] ?? 0 > 0
        }

        for (label, pace) in [("max rate", nil), ("paced \(Int(rate))/s", rate)] as [(String, Double?)] {
            events.resetDelivered()
            _ = events.takeLatencies()
            let before = target.sample()
            let started = ContinuousClock.now
            let channel: @Sendable (Int) -> String = { [target, users] index in
                UserChannel.notifications.name(forUser: target.firstUser + index % users)
            }
            if let single {
                try await BenchPublisher.publish(count: messages, rate: pace, on: single, channel: channel)
            } else {
                try await BenchPublisher.publish(count: messages, rate: pace, to: publisher, channel: channel)
            }
            try await waitFor("deliveries", timeout: .seconds(120)) { events.delivered >= messages }
            let seconds = (ContinuousClock.now - started).seconds
            let after = target.sample()
            let latency = LatencySummary(nanoseconds: events.takeLatencies())
            var line = String(format: "fanout %d users, %@: %d delivered in %.2f s = %.0f msg/s; latency %@",
                              users, label, events.delivered, seconds, Double(events.delivered) / seconds, latency.description)
            if let before, let after {
                line += String(format: "; gateway CPU %.2f us per delivered message", (after.cpuSeconds - before.cpuSeconds) * 1e6 / Double(events.delivered))
                line += after.allocations(since: before, per: events.delivered, "delivered message")
            }
            print(line)
        }
        await single?.close()
        await publisher.close()
        for channel in channels { channel.close(promise: nil) }
    }

}

/// App -> gateway -> backend -> app round trips, next to calling the backend directly.
struct ActionBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "actions", abstract: "Round trips through the gateway and direct to the backend.")

    @OptionGroup var target: BenchTarget
    @Option(name: .customLong("backend-url"), help: "The backend, for the direct calls (env BACKEND_URL).") var backendURL: String?
    @Option(help: "Round trips of each kind.") var count: Int = 5_000
    @Option(help: "The action's JSON, as the app sends it.") var message: String = #"{"action":"get_charger_status","data":{"charger_id":"CP001"}}"#
    @Option(help: "Actions in flight at once on the connection, up to the gateway's 16; above 1, only the rate and CPU are printed.")
    var inFlight: Int = 1

    func validate() throws {
        guard (1...16).contains(inFlight) else { throw ValidationError("--in-flight must be 1 to 16 (the gateway's limit per connection)") }
    }

    func run() async throws {
        let events = BenchEvents()
        let (channels, _) = try await target.connect(users: 1, concurrency: 1, events: events)
        let channel = channels[0]
        // Warm up both paths.
        for _ in 0..<200 {
            BenchConnection.send(message, on: channel)
            await events.nextResponse()
        }
        if inFlight > 1 {
            try await overlapping(on: channel, events: events)
            return
        }
        var through: [UInt64] = []
        let before = target.sample()
        for _ in 0..<count {
            let sent = DispatchTime.now().uptimeNanoseconds
            BenchConnection.send(message, on: channel)
            await events.nextResponse()
            through.append(DispatchTime.now().uptimeNanoseconds - sent)
        }
        let after = target.sample()
        channel.close(promise: nil)
        try Self.refuseErrors(events)

        let direct = try await directRoundTrips()
        let gateway = LatencySummary(nanoseconds: through), backend = LatencySummary(nanoseconds: direct)
        print("actions through the gateway: \(gateway)")
        print("actions direct to the backend: \(backend)")
        var line = String(format: "actions: gateway adds %.3f ms at p50, %.3f ms at p99", gateway.p50 - backend.p50, gateway.p99 - backend.p99)
        if let before, let after {
            line += String(format: "; gateway CPU %.1f us per action", (after.cpuSeconds - before.cpuSeconds) * 1e6 / Double(count))
            line += after.allocations(since: before, per: count, "action")
        }
        print(line)
    }

    /// `inFlight` actions at a time, a new one sent as each answer comes: the wake-ups of the
    /// gateway's loop are shared by several actions, so its own cost per action shows more.
    func overlapping(on channel: any Channel, events: BenchEvents) async throws {
        let before = target.sample()
        let started = ContinuousClock.now
        var sent = 0
        while sent < min(inFlight, count) {
            BenchConnection.send(message, on: channel)
            sent += 1
        }
        for _ in 0..<count {
            await events.nextResponse()
            if sent < count {
                BenchConnection.send(message, on: channel)
                sent += 1
            }
        }
        let seconds = (ContinuousClock.now - started).seconds
        let after = target.sample()
        channel.close(promise: nil)
        try Self.refuseErrors(events)
        var line = String(format: "actions, %d in flight on one connection: %d in %.2f s = %.0f/s", inFlight, count, seconds, Double(count) / seconds)
        if let before, let after {
            line += String(format: "; gateway CPU %.1f us per action", (after.cpuSeconds - before.cpuSeconds) * 1e6 / Double(count))
            line += after.allocations(since: before, per: count, "action")
        }
        print(line)
    }

    /// Figures with refused actions in them measure the refusal, not the round trip.
    static func refuseErrors(_ events: BenchEvents) throws {
        guard events.errors == 0 else {
            throw ValidationError(
                "the gateway answered \(events.errors) actions with an error instead of a response (its rate limit? start it with --rate-limit 0)")
        }
    }

    /// The same request the gateway would make, straight to the backend.
    func directRoundTrips() async throws -> [UInt64] {
        let backend = EnvironmentFallback().string(backendURL, "BACKEND_URL", default: "http://127.0.0.1:8000")
        let token = try DevelopmentToken.mint(userID: target.firstUser, secret: try target.secret())
        let parsed = try JSONCoding.decode(JSONValue.self, from: message)
        let body = try JSONCoding.encode(BackendRequest(
            action: ActionName(rawValue: parsed["action"]?.stringValue ?? ""), data: parsed["data"] ?? [:], userId: target.firstUser))
        let client = HTTPClient.makeFailFast()
        defer { _ = client.shutdown() }
        var samples: [UInt64] = []
        for index in 0..<(count + 200) {
            let request = HTTPClientRequest.jsonPost(url: backend + "/api/websocket/message", bearer: token, body: ByteBuffer(bytes: body))
            let sent = DispatchTime.now().uptimeNanoseconds
            let response = try await client.execute(request, timeout: .seconds(10))
            _ = try await response.body.collect(upTo: 1 << 20)
            if index >= 200 { samples.append(DispatchTime.now().uptimeNanoseconds - sent) }
        }
        return samples
    }
}
