import AccessTokens
import AsyncHTTPClient
import Foundation
import Messages
import NIOCore
import NIOWebSocket
import Testing
import TestSupport

@testable import Gateway

/// Connecting: the spec's `connected`, and its refusals (handshake completes, then 1008).
@Suite("gateway connections")
struct GatewayConnectionTests {
    @Test("a valid token gets connected with the numeric userId", arguments: RedisKind.allCases)
    func connected(redis: RedisKind) async throws {
        try await GatewayUnderTest.run(redis: redis) { gateway in
            let probe = WebSocketProbe(url: gateway.url(token: try gateway.token(user: 123)))
            let connected = try await probe.message(ofType: .connected)
            #expect(connected["userId"] == .int(123))
            #expect(Timestamp.date(from: connected["timestamp"]?.stringValue ?? "") != nil)
            try await probe.close()
        }
    }

    @Test("refusals close with 1008 and the spec's reason, with no message first", arguments: [
        ("no token", nil, "Authentication required"),
        ("wrong secret", try HS256(secret: "other").sign(TokenClaims.laravel(userID: 123, issuer: "t", ttl: 60)), "Invalid authentication token"),
        ("expired", try HS256(secret: GatewayUnderTest.secret).sign(TokenClaims(sub: 123, exp: 1_000)), "Invalid authentication token"),
        ("not a jwt", "abc.def", "Invalid authentication token"),
    ] as [(String, String?, String)])
    func refused(_ test: (name: String, token: String?, reason: String)) async throws {
        try await GatewayUnderTest.run(redis: .mock) { gateway in
            let probe = WebSocketProbe(url: gateway.url(token: test.token))
            let close = try await probe.closeFrame()
            #expect(close?.closeCode == .policyViolation, "\(test.name)")
            #expect(close?.reason == test.reason, "\(test.name)")
            #expect(probe.received.isEmpty, "\(test.name)")
        }
    }

    @Test func tokenInAuthorizationHeaderIsAccepted() async throws {
        try await GatewayUnderTest.run(redis: .mock) { gateway in
            let probe = WebSocketProbe(url: gateway.url(token: nil), headers: [("Authorization", "Bearer \(try gateway.token(user: 124))")])
            #expect(try await probe.message(ofType: .connected)["userId"] == .int(124))
            try await probe.close()
        }
    }

    @Test func fullInstanceRefusesWithServerAtCapacity() async throws {
        try await GatewayUnderTest.run(redis: .mock, configure: { $0.maxConnections = 1 }) { gateway in
            let first = try await gateway.connect(user: 123)
            let second = WebSocketProbe(url: gateway.url(token: try gateway.token(user: 124)))
            let close = try await second.closeFrame()
            #expect(close?.closeCode == .policyViolation)
            #expect(close?.reason == "Server at capacity")
            try await first.close()
        }
    }

    @Test func tokenExpiryClosesTheConnection() async throws {
        try await GatewayUnderTest.run(redis: .mock) { gateway in
            let probe = WebSocketProbe(url: gateway.url(token: try gateway.token(user: 123, ttl: 2)))
            _ = try await probe.message(ofType: .connected)
            let close = try await probe.closeFrame(timeout: .seconds(10))
            #expect(close?.closeCode == .policyViolation)
            #expect(close?.reason == "Token expired")
        }
    }

    @Test func oversizedMessageClosesWith1009() async throws {
        try await GatewayUnderTest.run(redis: .mock, configure: { $0.maxMessageSize = 1024 }) { gateway in
            let probe = try await gateway.connect(user: 123)
            try await probe.send(String(repeating: "x", count: 2048))
            let close = try await probe.closeFrame()
            #expect(close?.closeCode == .messageTooLarge)
        }
    }

    @Test func fragmentedMessageIsJoinedAndAnswered() async throws {
        try await GatewayUnderTest.run(redis: .mock) { gateway in
            gateway.backend.reply(.init(body: #"{"success":true,"data":{"chargers":[]}}"#))
            let probe = try await gateway.connect(user: 123)
            let parts = [#"{"action":"list_"#, #"chargers","data""#, #":{}}"#]
            for (index, part) in parts.enumerated() {
                let frame = WebSocketFrame(
                    fin: index == parts.count - 1, opcode: index == 0 ? .text : .continuation, data: ByteBuffer(string: part))
                try await probe.sendFrame(.custom(frame))
            }
            let response = try await probe.message(ofType: .response)
            #expect(response["action"] == "list_chargers")
            #expect(response["data"] == ["success": true, "chargers": []])
        }
    }

    @Test func oversizedFragmentedMessageClosesWith1009() async throws {
        try await GatewayUnderTest.run(redis: .mock, configure: { $0.maxMessageSize = 1024 }) { gateway in
            let probe = try await gateway.connect(user: 123)
            for index in 0..<3 {
                let frame = WebSocketFrame(fin: index == 2, opcode: index == 0 ? .text : .continuation,
                                           data: ByteBuffer(string: String(repeating: "x", count: 600)))
                try? await probe.sendFrame(.custom(frame))
            }
            let close = try await probe.closeFrame()
            #expect(close?.closeCode == .messageTooLarge)
            #expect(close?.reason == "Message too big")
        }
    }

    @Test func healthReportsRedis() async throws {
        try await GatewayUnderTest.run(redis: .real) { gateway in
            let (status, body) = try await httpGet("http://127.0.0.1:\(gateway.port)/health")
            #expect(status == 200)
            #expect(body["redis"] == "connected")
            #expect(body["status"] == "ok")
        }
    }
}

func httpGet(_ url: String) async throws -> (Int, JSONValue) {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(5))
    let body = try await response.body.collect(upTo: 1 << 20)
    return (Int(response.status.code), try JSONCoding.decode(JSONValue.self, from: Data(body.readableBytesView)))
}
