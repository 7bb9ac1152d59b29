import AsyncHTTPClient
import Foundation
import Logging
import Messages
import RESP
import NIOCore
import NIOPosix
import NIOSSL
import Testing
import TestSupport

@testable import Gateway

/// Floods, piles of requests, slow readers: bounded per connection, nobody else notices.
@Suite("gateway limits")
struct GatewayLimitTests {
    @Test func floodsGetRateLimitExceeded() async throws {
        try await GatewayUnderTest.run(redis: .mock, configure: { $0.rateLimit = 1; $0.rateBurst = 3 }) { gateway in
            let probe = try await gateway.connect(user: 123)
            for index in 0..<6 {
                try await probe.send(ClientMessage(action: .listChargers, id: .int(index)))
            }
            let errors = try await probe.message(ofType: .error, index: 1)
            #expect(errors["message"] == "Rate limit exceeded")
            // The burst went through; the rest, sent within a second, did not (one may have
            // had a refilled token). Every message gets exactly one answer.
            let responses: @Sendable () -> Int = { probe.received.filter { $0.contains(#""type":"response""#) }.count }
            let refusals: @Sendable () -> Int = { probe.received.filter { $0.contains("Rate limit exceeded") }.count }
            try await waitUntil { responses() + refusals() == 6 }
            #expect((3...4).contains(responses()))
            try await probe.close()
        }
    }

    @Test func rateLimitZeroTurnsItOff() async throws {
        try await GatewayUnderTest.run(redis: .mock, configure: { $0.rateLimit = 0; $0.rateBurst = 1 }) { gateway in
            let probe = try await gateway.connect(user: 123)
            for index in 0..<10 { try await probe.send(ClientMessage(action: .listChargers, id: .int(index))) }
            _ = try await probe.message(ofType: .response, index: 9)
            #expect(!probe.received.contains { $0.contains("Rate limit exceeded") })
            try await probe.close()
        }
    }

    @Test func callsInFlightAreBounded() async throws {
        try await GatewayUnderTest.run(redis: .mock, configure: { $0.maxCallsInFlight = 2 }) { gateway in
            gateway.backend.reply(.init(delay: .milliseconds(500)))
            let probe = try await gateway.connect(user: 123)
            for index in 0..<4 { try await probe.send(ClientMessage(action: .listChargers, id: .int(index))) }
            let refused = try await probe.message(ofType: .response) { $0["data"]?["success"] == false }
            #expect(refused["data"]?["error"] == "Too many requests")
            _ = try await probe.message(ofType: .response, index: 3)
            let successes = probe.received.filter { $0.contains(#""success":true"#) }.count
            #expect(successes == 2)
            try await probe.close()
        }
    }

    @Test func aSlowConsumerIsClosedAndOthersKeepReceiving() async throws {
        try await GatewayUnderTest.run(redis: .mock, configure: { $0.maxOutboundBytes = 64 * 1024 }) { gateway in
            let healthy = try await gateway.connect(user: 124)
            // An app that completes the handshake and then never reads.
            let stalled = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(ChannelOptions.autoRead, value: false)
                .connect(host: "127.0.0.1", port: gateway.port).get()
            let upgrade = webSocketUpgradeRequest(token: try gateway.token(user: 123))
            try await stalled.writeAndFlush(ByteBuffer(string: upgrade))
            try await waitUntil { gateway.app.registry.connectionCount == 2 }

            let big = #"{"type":"notification","title":"t","message":""# + String(repeating: "x", count: 60_000) + #"","data":{},"timestamp":"2025-01-29T12:00:00Z"}"#
            // Enough to fill the kernel's socket buffers and then the gateway's 64 KB queue.
            let redis = try await RESPConnection.connect(to: RedisURL(gateway.redisURL))
            for _ in 0..<400 where gateway.app.registry.connectionCount == 2 {
                try await redis.send(["PUBLISH", "user:123:notifications", big])
            }
            await redis.close()
            try await waitUntil { gateway.app.registry.connectionCount == 1 }
            try await gateway.publish(#"{"still":"here"}"#, to: "user:124:notifications")
            _ = try await healthy.message { $0 == #"{"still":"here"}"# }
            let (_, metrics) = try await httpGetText("http://127.0.0.1:\(gateway.port)/metrics")
            #expect(metrics.contains(#"gateway_closes_total{reason="slow_consumer"} 1"#))
            try? await stalled.close()
            try await healthy.close()
        }
    }
}

@Suite("gateway operations")
struct GatewayOperationsTests {
    @Test func metricsCountConnectionsAndMessages() async throws {
        try await GatewayUnderTest.run(redis: .mock) { gateway in
            let probe = try await gateway.connect(user: 123)
            try await probe.send(ClientMessage(action: .listChargers))
            _ = try await probe.message(ofType: .response)
            try await probe.send("nonsense")
            _ = try await probe.message(ofType: .error)
            _ = WebSocketProbe(url: gateway.url(token: nil))
            try await waitUntil {
                try await httpGetText("http://127.0.0.1:\(gateway.port)/metrics").1
                    .contains(#"gateway_connections_refused_total{reason="authentication_required"} 1"#)
            }
            let (status, text) = try await httpGetText("http://127.0.0.1:\(gateway.port)/metrics")
            #expect(status == 200)
            for line in [
                "gateway_connections 1", "gateway_connections_accepted_total 1", #"gateway_messages_in_total{type="action"} 1"#,
                #"gateway_messages_in_total{type="invalid"} 1"#, #"gateway_messages_out_total{type="response"} 1"#,
                "gateway_redis_connected 1", #"gateway_backend_request_duration_seconds_count 1"#,
            ] {
                #expect(text.contains(line), "\(line)")
            }
            try await probe.close()
        }
    }

    @Test("two instances on one Redis deliver to a user connected to both", arguments: RedisKind.allCases)
    func twoInstances(redis: RedisKind) async throws {
        try await GatewayUnderTest.run(redis: redis) { first in
            try await GatewayUnderTest.run(redisURL: first.redisURL, configure: { _ in }) { second in
                let onFirst = try await first.connect(user: 123)
                let onSecond = try await second.connect(user: 123)
                let other = try await second.connect(user: 124)
                try await waitUntil { try await first.subscriberCount("user:123:session_updates") == 2 }
                let message = #"{"type":"session_update","session_id":1,"transaction_id":2,"event":"meter_value","data":{},"timestamp":"2025-01-29T12:00:00Z"}"#
                try await first.publish(message, to: "user:123:session_updates")
                #expect(try await onFirst.message { $0 == message } == message)
                #expect(try await onSecond.message { $0 == message } == message)
                #expect(!other.received.contains(message))
                for probe in [onFirst, onSecond, other] { try await probe.close() }
            }
        }
    }

    @Test func shutdownClosesSocketsWith1001() async throws {
        try await GatewayUnderTest.run(redis: .mock) { gateway in
            let probe = try await gateway.connect(user: 123)
            await gateway.shutdown()
            let close = try await probe.closeFrame()
            #expect(close?.closeCode == .goingAway)
            #expect(close?.reason == "Server shutting down")
        }
    }
}

func httpGetText(_ url: String) async throws -> (Int, String) {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
    let body = try await response.body.collect(upTo: 1 << 22)
    return (Int(response.status.code), String(buffer: body))
}

@Suite("gateway TLS and origins")
struct GatewayTLSTests {
    @Test func servesWSSWithTheGivenCertificate() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let (certificate, key) = (directory.appendingPathComponent("cert.pem").path, directory.appendingPathComponent("key.pem").path)
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", certificate,
                             "-days", "1", "-subj", "/CN=127.0.0.1"]
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)

        try await GatewayUnderTest.run(redis: .mock, configure: { $0.tlsCertificatePath = certificate; $0.tlsKeyPath = key }) { gateway in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            // A host name, not an IP: TLS clients send it as SNI.
            let probe = WebSocketProbe(url: "wss://localhost:\(gateway.port)/?token=\(try gateway.token(user: 123))", tls: tls)
            #expect(try await probe.message(ofType: .connected)["userId"] == 123)
            try await probe.close()
        }
    }

    @Test func originsOutsideTheListAreRefused() async throws {
        try await GatewayUnderTest.run(redis: .mock, configure: { $0.allowedOrigins = ["https://app.example"] }) { gateway in
            func upgrade(origin: String) async throws -> String {
                let request = webSocketUpgradeRequest(token: try gateway.token(user: 123), headers: "Origin: \(origin)\r\n")
                // Whole once the head of a 101 or the body of a refusal is in.
                return try await rawExchange(port: gateway.port, request, readTimeout: 10) {
                    $0.hasPrefix("HTTP/1.1 101") ? $0.contains("\r\n\r\n") : $0.hasSuffix("}")
                }.0
            }
            #expect(try await upgrade(origin: "https://app.example").hasPrefix("HTTP/1.1 101 Switching Protocols"))
            let refused = try await upgrade(origin: "https://evil.example")
            #expect(refused.hasPrefix("HTTP/1.1 403 Forbidden"))
            #expect(refused.hasSuffix(#"{"message":"Origin not allowed"}"#))
        }
    }
}

@Suite("gateway heartbeat and Redis auth")
struct GatewayHeartbeatTests {
    @Test func aSocketThatDoesNotAnswerPingsIsClosed() async throws {
        try await GatewayUnderTest.run(redis: .mock, configure: { $0.pingInterval = 2 }) { gateway in
            // Completes the handshake, then reads nothing and so never answers a ping.
            let silent = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelOption(ChannelOptions.autoRead, value: false)
                .connect(host: "127.0.0.1", port: gateway.port).get()
            let upgrade = webSocketUpgradeRequest(token: try gateway.token(user: 123))
            try await silent.writeAndFlush(ByteBuffer(string: upgrade))
            // A client that answers every ping stays.
            let lively = try await PongingSocket.connect(port: gateway.port, token: try gateway.token(user: 124))
            try await waitUntil { gateway.app.registry.connectionCount == 2 }
            try await waitUntil(timeout: .seconds(15)) { gateway.app.registry.connectionCount == 1 }
            #expect(!lively.isClosed)
            // Two more pings answered: the gateway checked for the answer to each before sending the next.
            let answered = lively.pingsAnswered
            try await waitUntil(timeout: .seconds(15)) { lively.pingsAnswered >= answered + 2 || lively.isClosed }
            #expect(!lively.isClosed)
            #expect(gateway.app.registry.connectionCount == 1)
            try? await silent.close()
            await lively.close()
        }
    }

    @Test func redisPasswordAndDatabaseComeFromTheURL() async throws {
        let redis = try await RedisServerProcess(arguments: ["--requirepass", "s3cret"])
        do {
            try await GatewayUnderTest.run(redisURL: "redis://:s3cret@127.0.0.1:\(redis.port)/3", configure: { _ in }) { gateway in
                let probe = try await gateway.connect(user: 123)
                try await gateway.publish(#"{"authed":true}"#, to: "user:123:notifications")
                _ = try await probe.message { $0 == #"{"authed":true}"# }
                try await probe.close()
            }
        } catch {
            await redis.stop()
            throw error
        }
        await redis.stop()
    }
}
