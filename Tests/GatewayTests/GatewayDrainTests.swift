import Foundation
import Messages
import Testing
import TestSupport

@testable import Gateway

/// SIGTERM drains: an answer the backend is still working on reaches its app before the 1001.
@Suite("gateway drain")
struct GatewayDrainTests {
    static let push = #"{"type":"notification","title":"T","message":"M","data":{},"timestamp":"2025-01-29T12:00:00Z"}"#

    @Test("in-flight answers arrive, new actions are refused, pushes flow, then 1001", arguments: RedisKind.allCases)
    func drainDeliversInFlightAnswers(redis: RedisKind) async throws {
        try await GatewayUnderTest.run(redis: redis) { gateway in
            let gate = Announcement<Bool>()
            gateway.backend.reply(.init(body: #"{"success":true,"data":{"session_id":456}}"#, gate: gate))
            let busy = try await gateway.connect(user: 123)
            let idle = try await gateway.connect(user: 124)
            try await busy.send(#"{"action":"start_charging","data":{"charger_id":"CP001"},"id":"a1"}"#)
            try await waitUntil { gateway.backend.requests.count == 1 }

            await gateway.shutdown()
            // A socket with nothing in flight goes at once.
            let idleClose = try await idle.closeFrame()
            #expect(idleClose?.closeCode == .goingAway)
            #expect(idleClose?.reason == "Server shutting down")
            // A load balancer sees the drain, and new apps are turned away.
            let (status, health) = try await httpGetText("http://127.0.0.1:\(gateway.port)/health")
            #expect(status == 503)
            #expect(health.contains(#""status":"draining""#))
            let latecomer = WebSocketProbe(url: gateway.url(token: try gateway.token(user: 125)))
            await #expect(throws: (any Error).self) { try await latecomer.message(ofType: .connected, timeout: .seconds(5)) }

            // An action sent during the drain is answered at once.
            try await busy.send(#"{"action":"get_active_session","data":{},"id":"a2"}"#)
            let refused = try await busy.message(ofType: .response) { $0["id"] == "a2" }
            #expect(refused["data"] == [
                "success": false, "error": "Server shutting down",
                "message": "The gateway is shutting down; send it again once reconnected",
            ])
            // Pushes still reach the socket while it waits.
            try await gateway.publish(Self.push, to: "user:123:notifications")
            #expect(try await busy.message { $0 == Self.push } == Self.push)

            gate.announce(true)
            let answer = try await busy.message(ofType: .response) { $0["id"] == "a1" }
            #expect(answer["data"] == ["success": true, "session_id": 456])
            let close = try await busy.closeFrame()
            #expect(close?.closeCode == .goingAway)
            #expect(close?.reason == "Server shutting down")
            // The drain is over: the listener closes.
            try await waitUntil { (try? await rawExchange(port: gateway.port, "", readTimeout: 0.05)) == nil }
        }
    }

    @Test func anAnswerSlowerThanTheDrainTimeoutIsCutOffWith1001() async throws {
        try await GatewayUnderTest.run(redis: .mock, configure: { $0.drainTimeout = 0.3 }) { gateway in
            let gate = Announcement<Bool>()
            gateway.backend.reply(.init(gate: gate))
            let busy = try await gateway.connect(user: 123)
            try await busy.send(#"{"action":"list_chargers","data":{}}"#)
            try await waitUntil { gateway.backend.requests.count == 1 }
            let started = ContinuousClock.now
            await gateway.shutdown()
            let close = try await busy.closeFrame()
            #expect(close?.closeCode == .goingAway)
            #expect(close?.reason == "Server shutting down")
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(!busy.received.contains { $0.contains(#""type":"response""#) })
            gate.announce(true)
        }
    }
}
