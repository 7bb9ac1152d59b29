import Foundation
import Messages
import Testing
import TestSupport

@testable import Gateway

/// Actions: forwarded as the spec's section 2 request, answered with the spec's `response`.
@Suite("gateway actions")
struct GatewayActionTests {
    @Test("an action reaches the backend with the token's user and comes back as a response", arguments: RedisKind.allCases)
    func forwarded(redis: RedisKind) async throws {
        try await GatewayUnderTest.run(redis: redis) { gateway in
            gateway.backend.reply(.init(body: #"{"success":true,"data":{"session_id":456,"transaction_id":789,"charger_id":"CP001","message":"Charging session started"}}"#))
            let probe = try await gateway.connect(user: 123)
            // A userId from the client is ignored; unknown data fields travel untouched.
            try await probe.send(#"{"action":"start_charging","userId":999,"data":{"charger_id":"CP001","connector_id":1,"future_field":{"a":[1,2]}}}"#)
            let response = try await probe.message(ofType: .response)
            #expect(response["action"] == "start_charging")
            #expect(response["data"] == [
                "success": true, "session_id": 456, "transaction_id": 789, "charger_id": "CP001", "message": "Charging session started",
            ])
            #expect(response["id"] == nil)
            let recorded = try #require(gateway.backend.requests.first)
            #expect(recorded.authorization?.hasPrefix("Bearer ey") == true)
            #expect(recorded.body == [
                "action": "start_charging", "userId": 123,
                "data": ["charger_id": "CP001", "connector_id": 1, "future_field": ["a": [1, 2]]],
            ])
            try await probe.close()
        }
    }

    @Test func theClientsOwnTokenIsForwarded() async throws {
        try await GatewayUnderTest.run(redis: .mock) { gateway in
            let token = try gateway.token(user: 125)
            let probe = WebSocketProbe(url: gateway.url(token: token))
            _ = try await probe.message(ofType: .connected)
            try await probe.send(ClientMessage(action: .listChargers))
            _ = try await probe.message(ofType: .response)
            #expect(gateway.backend.requests.first?.authorization == "Bearer \(token)")
            try await probe.close()
        }
    }

    @Test func requestIDIsEchoed() async throws {
        try await GatewayUnderTest.run(redis: .mock) { gateway in
            let probe = try await gateway.connect(user: 123)
            try await probe.send(#"{"action":"get_active_session","data":{},"id":"req-7"}"#)
            try await probe.send(#"{"action":"get_active_session","id":8}"#)
            #expect(try await probe.message(ofType: .response, where: { $0["id"] == "req-7" })["data"]?["success"] == true)
            #expect(try await probe.message(ofType: .response, where: { $0["id"] == 8 })["data"]?["success"] == true)
            try await probe.close()
        }
    }

    @Test("backend errors become success: false with error and message", arguments: [
        (422, #"{"success":false,"error":"Charger not available","message":"The requested charger is currently unavailable"}"#,
         "Charger not available", "The requested charger is currently unavailable"),
        (200, #"{"success":false,"error":"No active session","message":"You have no active charging session"}"#,
         "No active session", "You have no active charging session"),
        (401, #"{"message":"Unauthenticated."}"#, "Backend error", "Unauthenticated."),
        (500, "<html>Server Error</html>", "Backend error", "The backend answered with HTTP 500"),
        (200, "[1,2,3]", "Invalid backend response", "The backend's answer is not the expected JSON"),
    ] as [(Int, String, String, String)])
    func backendErrors(_ test: (status: Int, body: String, error: String, message: String)) async throws {
        try await GatewayUnderTest.run(redis: .mock) { gateway in
            gateway.backend.reply(.init(status: .init(code: test.status), body: test.body))
            let probe = try await gateway.connect(user: 123)
            try await probe.send(ClientMessage(action: .startCharging, data: ["charger_id": "CP001"]))
            let response = try await probe.message(ofType: .response)
            #expect(response["data"] == ["success": false, "error": .string(test.error), "message": .string(test.message)])
            try await probe.close()
        }
    }

    @Test func slowBackendAnswersWithinTheTimeout() async throws {
        try await GatewayUnderTest.run(redis: .mock, configure: { $0.backendTimeout = 0.3 }) { gateway in
            gateway.backend.reply(.init(delay: .seconds(6)))
            let probe = try await gateway.connect(user: 123)
            let started = ContinuousClock.now
            try await probe.send(ClientMessage(action: .listChargers))
            let response = try await probe.message(ofType: .response, timeout: .seconds(5))
            // Answered by the gateway's deadline, long before the backend would have.
            #expect(ContinuousClock.now - started < .seconds(3))
            #expect(response["data"]?["success"] == false)
            #expect(response["data"]?["error"] == "Backend timeout")
            try await probe.close()
        }
    }

    @Test func backendDownAnswersBackendUnavailable() async throws {
        let closed = try ClosedPort()
        try await GatewayUnderTest.run(redis: .mock, configure: { $0.backendURL = "http://127.0.0.1:\(closed.port)" }) { gateway in
            let probe = try await gateway.connect(user: 123)
            try await probe.send(ClientMessage(action: .listChargers))
            let response = try await probe.message(ofType: .response)
            #expect(response["data"] == [
                "success": false, "error": "Backend unavailable", "message": "The backend could not be reached",
            ])
            try await probe.close()
        }
    }

    @Test("malformed messages get the spec's error and the connection stays usable", arguments: [
        "not json", "[1,2]", #"{"data":{}}"#, #"{"action":5}"#, #"{"action":"list_chargers","data":[1]}"#,
        #"{"action":"list_chargers","data":"x"}"#, #""just a string""#, "",
    ])
    func malformed(text: String) async throws {
        try await GatewayUnderTest.run(redis: .mock) { gateway in
            let probe = try await gateway.connect(user: 123)
            try await probe.send(text)
            let error = try await probe.message(ofType: .error)
            #expect(error["message"] == "Invalid message format")
            try await probe.send(ClientMessage(action: .listChargers))
            #expect(try await probe.message(ofType: .response)["data"]?["success"] == true)
            #expect(gateway.backend.requests.count == 1)
            try await probe.close()
        }
    }

    @Test func binaryFrameIsInvalidFormat() async throws {
        try await GatewayUnderTest.run(redis: .mock) { gateway in
            let probe = try await gateway.connect(user: 123)
            try await probe.sendFrame(.binary(.init(string: #"{"action":"list_chargers"}"#)))
            #expect(try await probe.message(ofType: .error)["message"] == "Invalid message format")
            try await probe.close()
        }
    }
}
