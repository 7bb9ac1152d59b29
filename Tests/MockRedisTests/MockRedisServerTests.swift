import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import RESP
import Testing
import TestSupport

@testable import MockRedis

/// mock-redis on a port from the OS, driven by our RESP client and by `redis-cli`.
@Suite("mock-redis server")
struct MockRedisServerTests {
    static func withServer(_ body: @Sendable (Int) async throws -> Void) async throws {
        let bound = Announcement<Int>()
        let server = MockRedisServer(
            configuration: .init(host: "127.0.0.1", port: 0), logger: Logger(label: "mock-redis"), onBound: { bound.announce($0) })
        try await withServices([server]) {
            try await body(await bound.value)
        }
    }

    @Test func pingEchoAndErrorsAsRedisWritesThem() async throws {
        try await Self.withServer { port in
            let connection = try await RESPConnection.connect(to: RedisURL(port: port))
            #expect(try await connection.send(["PING"]) == .simpleString("PONG"))
            #expect(try await connection.send(["ping", "hi"]).string == "hi")
            #expect(try await connection.send(["ECHO", "x y"]).string == "x y")
            await #expect(throws: RESPClientError.server("ERR unknown command 'nope', with args beginning with: 'a' 'b' ")) {
                try await connection.send(["nope", "a", "b"])
            }
            await #expect(throws: RESPClientError.server("ERR wrong number of arguments for 'publish' command")) {
                try await connection.send(["PUBLISH", "only-channel"])
            }
            await connection.close()
        }
    }

    @Test func publishReachesSubscribersAndCountsThem() async throws {
        try await Self.withServer { port in
            let received = NIOLockedValueBox<[[String]]>([])
            let got = Announcement<Void>()
            let subscriber = try await RESPConnection.connect(to: RedisURL(port: port), onPush: { elements in
                let strings = elements.map { $0.string ?? $0.integer.map(String.init) ?? "nil" }
                let count = received.withLockedValue { $0.append(strings); return $0.count }
                if count == 3 { got.announce(()) }
            })
            subscriber.sendWithoutReply(["SUBSCRIBE", "user:1:notifications", "user:1:session_updates"])
            let publisher = try await RESPConnection.connect(to: RedisURL(port: port))
            // Wait until both subscriptions are in place, then publish.
            try await waitUntil { try await publisher.send(["PUBLISH", "user:1:session_updates", "probe"]).integer == 1 }
            #expect(try await publisher.send(["PUBLISH", "user:2:session_updates", "nobody"]) == .integer(0))
            try await withDeadline(.seconds(5)) { await got.value }
            let messages = received.withLockedValue { $0 }
            #expect(messages[0] == ["subscribe", "user:1:notifications", "1"])
            #expect(messages[1] == ["subscribe", "user:1:session_updates", "2"])
            #expect(messages[2] == ["message", "user:1:session_updates", "probe"])
            await subscriber.close()
            await publisher.close()
        }
    }

    @Test func redisCliTalksToMockRedis() async throws {
        try await Self.withServer { port in
            let ping = try runRedisCLI(port: port, ["PING"])
            let publish = try runRedisCLI(port: port, ["PUBLISH", "c", "m"])
            let echo = try runRedisCLI(port: port, ["ECHO", "hello world"])
            let unknown = try runRedisCLI(port: port, ["BOGUS"])
            #expect(ping == "PONG")
            #expect(publish == "0")
            #expect(echo == "hello world")
            #expect(unknown.hasPrefix("ERR unknown command 'BOGUS'"))
        }
    }

    @Test func subscribedModeRefusesOtherCommands() async throws {
        try await Self.withServer { port in
            let pushes = NIOLockedValueBox<[[RESPValue]]>([])
            let connection = try await RESPConnection.connect(to: RedisURL(port: port), onPush: { elements in
                pushes.withLockedValue { $0.append(elements) }
            })
            connection.sendWithoutReply(["SUBSCRIBE", "a"])
            await #expect(throws: RESPClientError.server(
                "ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")) {
                try await connection.send(["GET", "k"])
            }
            await connection.close()
        }
    }

    @Test func protocolErrorIsAnsweredThenTheConnectionCloses() async throws {
        try await Self.withServer { port in
            let (reply, closed) = try await rawExchange(port: port, "*abc\r\n")
            #expect(reply == "-ERR Protocol error: invalid multibulk length\r\n")
            #expect(closed)
        }
    }
}


func runRedisCLI(port: Int, _ arguments: [String]) throws -> String {
    try runCommand("/usr/bin/redis-cli", ["-p", String(port)] + arguments)
}
