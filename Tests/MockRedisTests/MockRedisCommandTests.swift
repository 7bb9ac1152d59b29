import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import RESP
import Testing
import TestSupport

@testable import MockRedis

/// Each command as `redis-cli` sees it, and pub/sub through our client and Python's `redis`.
@Suite("mock-redis commands")
struct MockRedisCommandTests {
    static func withServer(_ body: @Sendable (Int) async throws -> Void) async throws {
        try await withServer(configure: { _ in }, body)
    }

    static func withServer(configure: (inout MockRedisConfiguration) -> Void,
                           _ body: @Sendable (Int) async throws -> Void) async throws {
        var configuration = MockRedisConfiguration(host: "127.0.0.1", port: 0)
        configure(&configuration)
        let bound = Announcement<Int>()
        let server = MockRedisServer(configuration: configuration, logger: Logger(label: "mock-redis"), onBound: { bound.announce($0) })
        try await withServices([server]) {
            try await body(await bound.value)
        }
    }

    @Test func stringKeysWithExpiry() async throws {
        try await Self.withServer { port in
            #expect(redisCLI(port, ["SET", "k", "v"]) == "OK")
            #expect(redisCLI(port, ["GET", "k"]) == "v")
            #expect(redisCLI(port, ["SET", "k", "w", "NX"]) == "")
            #expect(redisCLI(port, ["SET", "k", "w", "XX", "GET"]) == "v")
            #expect(redisCLI(port, ["SET", "k", "v", "NX", "XX"]) == "ERR syntax error")
            #expect(redisCLI(port, ["SET", "k", "v", "EX", "0"]) == "ERR invalid expire time in 'set' command")
            #expect(redisCLI(port, ["SET", "k", "v", "EX", "x"]) == "ERR value is not an integer or out of range")
            #expect(redisCLI(port, ["TTL", "k"]) == "-1")
            #expect(redisCLI(port, ["TTL", "missing"]) == "-2")
            #expect(redisCLI(port, ["EXPIRE", "k", "100"]) == "1")
            #expect(redisCLI(port, ["EXPIRE", "k", "50", "GT"]) == "0")
            #expect(redisCLI(port, ["EXPIRE", "k", "50", "NX", "XX"]) == "ERR NX and XX, GT or LT options at the same time are not compatible")
            #expect(redisCLI(port, ["TTL", "k"]) == "100")
            #expect(Int(redisCLI(port, ["PTTL", "k"])).map { (99_000...100_000).contains($0) } == true)
            #expect(redisCLI(port, ["INCR", "n"]) == "1")
            #expect(redisCLI(port, ["INCRBY", "n", "41"]) == "42")
            #expect(redisCLI(port, ["DECR", "n"]) == "41")
            #expect(redisCLI(port, ["INCR", "k"]) == "ERR value is not an integer or out of range")
            #expect(redisCLI(port, ["SET", "big", "9223372036854775807"]) == "OK")
            #expect(redisCLI(port, ["INCR", "big"]) == "ERR increment or decrement would overflow")
            #expect(redisCLI(port, ["EXISTS", "k", "k", "missing"]) == "2")
            #expect(redisCLI(port, ["KEYS", "*"]).split(separator: "\n").sorted() == ["big", "k", "n"])
            #expect(redisCLI(port, ["DBSIZE"]) == "3")
            #expect(redisCLI(port, ["DEL", "k", "missing"]) == "1")
            #expect(redisCLI(port, ["TYPE", "n"]) == "string")
            #expect(redisCLI(port, ["FLUSHDB"]) == "OK")
            #expect(redisCLI(port, ["DBSIZE"]) == "0")
            #expect(redisCLI(port, ["FLUSHALL", "ASYNC"]) == "OK")
            #expect(redisCLI(port, ["FUNCTION", "FLUSH"]) == "OK")
        }
    }

    @Test func keysExpireLazilyAndInTheSweep() async throws {
        try await Self.withServer(configure: { $0.expirySweepInterval = .milliseconds(20) }) { port in
            let connection = try await RESPConnection.connect(to: RedisURL(port: port))
            #expect(try await connection.send(["SET", "short", "v", "PX", "50"]) == .simpleString("OK"))
            #expect(try await connection.send(["SET", "other", "v", "PX", "50"]) == .simpleString("OK"))
            try await waitUntil { try await connection.send(["GET", "short"]) == .bulkString(nil) }
            // `other` was never touched again: the sweep removed it.
            try await waitUntil { try await connection.send(["DBSIZE"]) == .integer(0) }
            await connection.close()
        }
    }

    @Test func databasesAreSeparate() async throws {
        try await Self.withServer { port in
            let connection = try await RESPConnection.connect(to: RedisURL(port: port))
            _ = try await connection.send(["SET", "k", "zero"])
            #expect(try await connection.send(["SELECT", "1"]) == .simpleString("OK"))
            #expect(try await connection.send(["GET", "k"]) == .bulkString(nil))
            await #expect(throws: RESPClientError.server("ERR DB index is out of range")) { try await connection.send(["SELECT", "16"]) }
            await connection.close()
        }
    }

    @Test func connectionAndServerCommands() async throws {
        try await Self.withServer { port in
            #expect(redisCLI(port, ["INFO", "server"]).contains("redis_version:"))
            let info = redisCLI(port, ["INFO"])
            for field in ["arch_bits:64", "cluster_enabled:0", "connected_clients:", "used_memory:", "total_commands_processed:", "# Keyspace"] {
                #expect(info.contains(field), "\(field)")
            }
            #expect(redisCLI(port, ["CONFIG", "GET", "save"]) == "save")
            #expect(redisCLI(port, ["CONFIG", "GET", "appendonly"]) == "appendonly\nno")
            #expect(redisCLI(port, ["CONFIG", "GET"]) == "ERR wrong number of arguments for 'config|get' command")
            #expect(redisCLI(port, ["CLIENT", "SETNAME", "has space"]) == "ERR Client names cannot contain spaces, newlines or special characters.")
            #expect(redisCLI(port, ["CLIENT", "NOPE"]) == "ERR unknown subcommand 'NOPE'. Try CLIENT HELP.")
            #expect(redisCLI(port, ["CLIENT", "LIST"]).hasPrefix("id="))
            #expect(Int(redisCLI(port, ["COMMAND", "COUNT"])) ?? 0 > 30)
            #expect(redisCLI(port, ["AUTH", "x"]).hasPrefix("ERR AUTH <password> called without any password configured"))
            #expect(redisCLI(port, ["HELLO", "4"]) == "NOPROTO unsupported protocol version")
            #expect(redisCLI(port, ["-3", "PING"]) == "PONG")
            let clientNames = redisCLI(port, ["CLIENT", "SETNAME", "me"])
            #expect(clientNames == "OK")
            let connection = try await RESPConnection.connect(to: RedisURL(port: port))
            #expect(try await connection.send(["CLIENT", "SETNAME", "worker"]) == .simpleString("OK"))
            #expect(try await connection.send(["CLIENT", "GETNAME"]).string == "worker")
            let id = try #require(try await connection.send(["CLIENT", "ID"]).integer)
            #expect(redisCLI(port, ["CLIENT", "KILL", "ID", String(id)]) == "1")
            await #expect(throws: (any Error).self) { try await connection.send(["PING"]) }
        }
    }

    @Test func aCommandOnAClosedConnectionFailsAtOnce() async throws {
        try await Self.withServer { port in
            let connection = try await RESPConnection.connect(to: RedisURL(port: port))
            await connection.close()
            await #expect(throws: (any Error).self) { try await connection.send(["PING"]) }
        }
    }

    @Test func requirepassGatesEverythingButAuth() async throws {
        try await Self.withServer(configure: { $0.requirePass = "s3cret" }) { port in
            #expect(redisCLI(port, ["GET", "k"]) == "NOAUTH Authentication required.")
            #expect(redisCLI(port, ["--no-auth-warning", "-a", "wrong", "PING"])
                .hasPrefix("AUTH failed: WRONGPASS invalid username-password pair or user is disabled."))
            #expect(redisCLI(port, ["--no-auth-warning", "-a", "s3cret", "PING"]) == "PONG")
            let connection = try await RESPConnection.connect(to: RedisURL("redis://:s3cret@127.0.0.1:\(port)/2"))
            #expect(try await connection.send(["SET", "k", "v"]) == .simpleString("OK"))
            #expect(try await connection.send(["RESET"]) == .simpleString("RESET"))
            await #expect(throws: RESPClientError.server("NOAUTH Authentication required.")) { try await connection.send(["GET", "k"]) }
            await connection.close()
        }
    }

    @Test func patternsChannelsAndShardsAsRedisDeliversThem() async throws {
        try await Self.withServer { port in
            let pushes = NIOLockedValueBox<[[String]]>([])
            let subscriber = try await RESPConnection.connect(to: RedisURL(port: port), onPush: { elements in
                pushes.withLockedValue { $0.append(elements.map { $0.string ?? $0.integer.map(String.init) ?? "nil" }) }
            })
            subscriber.sendWithoutReply(["SUBSCRIBE", "user:1:notifications"])
            subscriber.sendWithoutReply(["PSUBSCRIBE", "user:*:notifications", "user:[12]:*"])
            subscriber.sendWithoutReply(["SSUBSCRIBE", "shard:a"])
            let publisher = try await RESPConnection.connect(to: RedisURL(port: port))
            try await waitUntil { try await publisher.send(["PUBSUB", "NUMPAT"]) == .integer(2) }
            try await waitUntil { try await publisher.send(["PUBSUB", "SHARDNUMSUB", "shard:a"]) == .array([.bulk("shard:a"), .integer(1)]) }
            // The channel and both patterns match: three messages, as Redis counts them.
            #expect(try await publisher.send(["PUBLISH", "user:1:notifications", "hi"]) == .integer(3))
            #expect(try await publisher.send(["PUBLISH", "user:3:notifications", "p"]) == .integer(1))
            #expect(try await publisher.send(["SPUBLISH", "shard:a", "s"]) == .integer(1))
            #expect(try await publisher.send(["PUBLISH", "shard:a", "not shard"]) == .integer(0))
            #expect(try await publisher.send(["PUBSUB", "CHANNELS", "user:*"]) == .array([.bulk("user:1:notifications")]))
            #expect(try await publisher.send(["PUBSUB", "SHARDCHANNELS"]) == .array([.bulk("shard:a")]))
            try await waitUntil { pushes.withLockedValue { $0.count } >= 9 }
            let received = pushes.withLockedValue { $0 }
            #expect(received[0] == ["subscribe", "user:1:notifications", "1"])
            #expect(received[1] == ["psubscribe", "user:*:notifications", "2"])
            #expect(received[2] == ["psubscribe", "user:[12]:*", "3"])
            #expect(received[3] == ["ssubscribe", "shard:a", "1"])
            #expect(received[4] == ["message", "user:1:notifications", "hi"])
            #expect(Set(received[5...6].map { $0 }) == [
                ["pmessage", "user:*:notifications", "user:1:notifications", "hi"],
                ["pmessage", "user:[12]:*", "user:1:notifications", "hi"],
            ])
            #expect(received[7] == ["pmessage", "user:*:notifications", "user:3:notifications", "p"])
            #expect(received[8] == ["smessage", "shard:a", "s"])
            await subscriber.close()
            await publisher.close()
        }
    }

    @Test func resp3ClientsGetPushesAndMayRunCommandsWhileSubscribed() async throws {
        try await Self.withServer { port in
            let (reply, _) = try await rawExchange(
                port: port, "HELLO 3\r\nSUBSCRIBE c\r\nGET k\r\nPUBLISH c m\r\nUNSUBSCRIBE\r\nUNSUBSCRIBE\r\n", readTimeout: 10
            ) { $0.hasSuffix("unsubscribe\r\n_\r\n:0\r\n") }
            #expect(reply.hasPrefix("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n"))
            #expect(reply.contains(">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n_\r\n"))
            #expect(reply.contains(">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n"))
            #expect(reply.hasSuffix(">3\r\n$11\r\nunsubscribe\r\n$1\r\nc\r\n:0\r\n>3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n"))
        }
    }

    @Test func abuseGetsRedisAnswersAndNeverHurtsOthers() async throws {
        try await Self.withServer(configure: { $0.maxBulkLength = 1024 }) { port in
            let bystander = try await RESPConnection.connect(to: RedisURL(port: port))
            for (request, answer) in [
                ("ECHO \"unbalanced\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"),
                ("*1\r\n$2000\r\n", "-ERR Protocol error: invalid bulk length\r\n"),
                ("*-x\r\n", "-ERR Protocol error: invalid multibulk length\r\n"),
            ] {
                let (reply, closed) = try await rawExchange(port: port, request)
                #expect(reply == answer)
                #expect(closed)
            }
            // A binary channel name is a name like any other.
            #expect(try await bystander.send(["PUBLISH", "bin\u{0}\u{FF}ary", "m"]) == .integer(0))
            // Half a request, then a hang-up; then silence: the server does not care.
            _ = try await rawExchange(port: port, "*2\r\n$4\r\nECHO\r\n$10\r\nabc", readTimeout: 0.2)
            #expect(try await bystander.send(["PING"]) == .simpleString("PONG"))
            await bystander.close()
        }
    }

    @Test func aSlowSubscriberIsDisconnectedAndOthersKeepReceiving() async throws {
        // The hard limit drops the stalled one. It and the soft window leave room for the
        // healthy reader to fall behind while a loaded machine (the fleet test's thousands of
        // sockets share this process) starves it for a while: with 256 KB, 16 messages behind
        // was enough to drop it too.
        try await Self.withServer(configure: { $0.pubsubOutputLimit = OutputBufferLimit("4mb 64kb 30")! }) { port in
            let received = NIOLockedValueBox(0)
            let healthy = try await RESPConnection.connect(to: RedisURL(port: port), onPush: { elements in
                if elements.first?.string == "message" { received.withLockedValue { $0 += 1 } }
            })
            healthy.sendWithoutReply(["SUBSCRIBE", "flood"])
            // A subscriber that never reads: a raw socket, subscribed, then silent.
            let stalled = try await StalledSubscriber.connect(port: port, channel: "flood")
            let publisher = try await RESPConnection.connect(to: RedisURL(port: port))
            try await waitUntil { try await publisher.send(["PUBSUB", "NUMSUB", "flood"]).array?.last == .integer(2) }
            let payload = String(repeating: "x", count: 16 * 1024)
            var published = 0
            // Publish until the stalled one is dropped (its kernel buffers fill first).
            while try await publisher.send(["PUBSUB", "NUMSUB", "flood"]).array?.last == .integer(2), published < 20_000 {
                _ = try await publisher.send(["PUBLISH", "flood", payload])
                published += 1
            }
            #expect(published < 20_000)
            let total = published
            try await waitUntil(timeout: .seconds(30)) { received.withLockedValue { $0 } == total }
            await stalled.close()
            await healthy.close()
            await publisher.close()
        }
    }

    @Test func pythonRedisPubSubAPI() async throws {
        try await Self.withServer { port in
            for version in ["2", "3"] {
                let output = try runCommand("/usr/bin/env", ["python3", "-c", Self.pythonPubSub, String(port), version])
                #expect(output.hasSuffix("ok"), "RESP\(version): \(output)")
            }
        }
    }

    static let pythonPubSub = """
        import sys, time, redis
        port, protocol = int(sys.argv[1]), int(sys.argv[2])
        r = redis.Redis(port=port, protocol=protocol, socket_timeout=5)
        assert r.ping()
        p = r.pubsub()
        p.subscribe('user:1:notifications')
        p.psubscribe('user:*:session_updates')
        deadline = time.time() + 5
        confirmations = 0
        while confirmations < 2 and time.time() < deadline:
            m = p.get_message(timeout=1)
            if m and m['type'] in ('subscribe', 'psubscribe'):
                confirmations += 1
        assert r.publish('user:1:notifications', 'hello') == 1
        assert r.publish('user:2:session_updates', 'meter') == 1
        got = []
        while len(got) < 2 and time.time() < deadline:
            m = p.get_message(timeout=1)
            if m and m['type'] in ('message', 'pmessage'):
                got.append(m)
        assert got[0]['type'] == 'message' and got[0]['data'] == b'hello', got
        assert got[1]['type'] == 'pmessage' and got[1]['pattern'] == b'user:*:session_updates', got
        assert got[1]['channel'] == b'user:2:session_updates' and got[1]['data'] == b'meter', got
        assert r.pubsub_numpat() == 1
        assert r.pubsub_numsub('user:1:notifications') == [(b'user:1:notifications', 1)]
        assert r.set('k', '1', ex=10) and r.incr('k') == 2 and 0 < r.ttl('k') <= 10
        p.unsubscribe()
        p.punsubscribe()
        p.close()
        print('ok')
        """
}

/// A subscriber that stops reading after SUBSCRIBE, so its output buffer grows.
struct StalledSubscriber {
    let channel: any Channel

    static func connect(port: Int, channel name: String) async throws -> StalledSubscriber {
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.autoRead, value: false)
            .channelOption(ChannelOptions.socketOption(.so_rcvbuf), value: 4096)
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(RESPValue.command(["SUBSCRIBE", name]).encoded())
        return StalledSubscriber(channel: channel)
    }

    func close() async { try? await channel.close() }
}

/// `redis-cli -p PORT ARGUMENTS...`'s output; a failure to run it is the output, so that a
/// test reads as a list of expectations.
func redisCLI(_ port: Int, _ arguments: [String]) -> String {
    do {
        return try runRedisCLI(port: port, arguments)
    } catch {
        return "redis-cli could not run: \(error)"
    }
}
