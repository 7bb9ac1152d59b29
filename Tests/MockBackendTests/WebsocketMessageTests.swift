import AccessTokens
import Foundation
import Hummingbird
import HummingbirdTesting
import Messages
import Testing
import TestSupport

@testable import MockBackend

/// `POST /api/websocket/message`: auth, validation, and the session lifecycle.
@Suite("mock-backend actions")
struct WebsocketMessageTests {
    @Test func requestsWithoutAValidTokenAreUnauthenticated() async throws {
        try await BackendUnderTest.run { backend, client in
            let body = #"{"action":"list_chargers","data":{},"userId":123}"#
            let stranger = try HS256(secret: BackendUnderTest.secret).sign(TokenClaims.laravel(userID: 999, issuer: "t", ttl: 60))
            let otherSecret = try HS256(secret: "other").sign(TokenClaims.laravel(userID: 123, issuer: "t", ttl: 60))
            for bearer in [nil, "garbage", stranger, otherSecret] {
                let (status, json) = try await client.post("/api/websocket/message", json: body, bearer: bearer)
                #expect(status == .unauthorized)
                #expect(json == ["message": "Unauthenticated."])
            }
        }
    }

    @Test func userIdMustMatchTheToken() async throws {
        try await BackendUnderTest.run { backend, client in
            let (status, json) = try await client.action("list_chargers", "{}", user: 124, token: try backend.token(user: 123))
            #expect(status == .forbidden)
            #expect(json["success"] == false)
            #expect(json["error"] == "Forbidden")
        }
    }

    @Test("invalid data is a 422 with errors per field", arguments: [
        (#"{}"#, "charger_id", "The charger id field is required."),
        (#"{"charger_id":7}"#, "charger_id", "The charger id field must be a string."),
        (#"{"charger_id":"CP001","connector_id":"1"}"#, "connector_id", "The connector id field must be an integer."),
        (#"{"charger_id":"CP001","connector_id":0}"#, "connector_id", "The connector id field must be at least 1."),
    ])
    func validation(data: String, field: String, message: String) async throws {
        try await BackendUnderTest.run { backend, client in
            let (status, json) = try await client.action("start_charging", data, user: 123, token: try backend.token(user: 123))
            #expect(status == .unprocessableContent)
            #expect(json["success"] == false)
            #expect(json["message"] == .string(message))
            #expect(json["errors"]?[field] == [.string(message)])
        }
    }

    @Test("the envelope is validated as Laravel's validator does: 422, the first message, errors per field", arguments: [
        (#"{"action":"list_chargers","data":{}}"#, "The user id field is required.", ["userId": ["The user id field is required."]]),
        (#"{"action":"list_chargers","data":{},"userId":"x"}"#, "The user id field must be an integer.",
         ["userId": ["The user id field must be an integer."]]),
        (#"{"action":7,"data":{},"userId":123}"#, "The action field must be a string.", ["action": ["The action field must be a string."]]),
        (#"{"action":" ","data":"x","userId":123}"#, "The action field is required. (and 1 more error)",
         ["action": ["The action field is required."], "data": ["The data field must be an array."]]),
        (#"not json"#, "The action field is required. (and 2 more errors)",
         ["action": ["The action field is required."], "data": ["The data field must be present."],
          "userId": ["The user id field is required."]]),
    ])
    func envelopeValidation(body: String, message: String, errors: [String: [String]]) async throws {
        try await BackendUnderTest.run { backend, client in
            let (status, json) = try await client.post("/api/websocket/message", json: body, bearer: try backend.token(user: 123))
            #expect(status == .unprocessableContent)
            let expected = JSONValue.object(errors.mapValues { .array($0.map { .string($0) }) })
            #expect(json == ["message": .string(message), "errors": expected])
        }
    }

    @Test func aNumericStringUserIdAndAnEmptyListAsDataPassAsInLaravel() async throws {
        try await BackendUnderTest.run { backend, client in
            let (status, json) = try await client.post(
                "/api/websocket/message", json: #"{"action":"list_chargers","data":[],"userId":"123"}"#, bearer: try backend.token(user: 123))
            #expect(status == .ok)
            #expect(json["success"] == true)
        }
    }

    @Test func unknownActionIsAnError() async throws {
        try await BackendUnderTest.run { backend, client in
            let (status, json) = try await client.action("fly_to_moon", "{}", user: 123, token: try backend.token(user: 123))
            #expect(status == .badRequest)
            #expect(json == ["success": false, "error": "Unknown action", "message": "The action 'fly_to_moon' is not supported"])
        }
    }

    @Test func startThenStopFollowsTheSpec() async throws {
        try await BackendUnderTest.run { backend, client in
            let token = try backend.token(user: 123)
            let (status, started) = try await client.action("start_charging", #"{"charger_id":"CP001","connector_id":2}"#, user: 123, token: token)
            #expect(status == .ok)
            let data = try #require(started["data"])
            #expect(started["success"] == true)
            #expect(data["charger_id"] == "CP001" && data["connector_id"] == 2 && data["status"] == "initiated")
            #expect(data["message"] == "Charging session started")
            #expect(data["session_id"]?.intValue != nil && data["transaction_id"]?.intValue != nil)
            // The CMS was asked to start that transaction for the user's tag.
            let call = try #require(backend.cms.calls.first)
            #expect(call.path == "/api/chargers/CP001/connectors/2/remote-start")
            #expect(call.body == ["id_tag": "RFID123", "transaction_id": data["transaction_id"]!])

            let (_, active) = try await client.action("get_active_session", "{}", user: 123, token: token)
            #expect(active["data"]?["session_id"] == data["session_id"])

            let (again, busy) = try await client.action("start_charging", #"{"charger_id":"CP003"}"#, user: 123, token: token)
            #expect(again == .conflict)
            #expect(busy["error"] == "Session already active")

            let (stopStatus, stopped) = try await client.action("stop_charging", "{}", user: 123, token: token)
            #expect(stopStatus == .ok)
            #expect(stopped["data"]?["status"] == "stopped")
            #expect(stopped["data"]?["session_id"] == data["session_id"])
            #expect(stopped["data"]?["message"] == "Charging session stopped")
            #expect(backend.cms.calls.last?.path == "/api/chargers/CP001/connectors/2/remote-stop")
        }
    }

    @Test func busyConnectorIsNotAvailable() async throws {
        try await BackendUnderTest.run { backend, client in
            _ = try await client.action("start_charging", #"{"charger_id":"CP001"}"#, user: 123, token: try backend.token(user: 123))
            let (status, json) = try await client.action("start_charging", #"{"charger_id":"CP001"}"#, user: 124, token: try backend.token(user: 124))
            #expect(status == .conflict)
            #expect(json == ["success": false, "error": "Charger not available", "message": "The requested charger is currently unavailable"])
        }
    }

    @Test func racingUsersGetExactlyOneSession() async throws {
        try await BackendUnderTest.run { backend, client in
            let users = [123, 124, 125, 126]
            let tokens = try users.map { try backend.token(user: $0) }
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for (user, token) in zip(users, tokens) {
                    group.addTask { try await client.action("start_charging", #"{"charger_id":"CP002"}"#, user: user, token: token).0 }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 3)
        }
    }

    @Test func rejectedRemoteStartFailsTheSession() async throws {
        try await BackendUnderTest.run { backend, client in
            backend.cms.answer(RemoteCommandResult(status: "Rejected", reason: "Connector is Faulted"))
            let token = try backend.token(user: 123)
            let (status, json) = try await client.action("start_charging", #"{"charger_id":"CP001"}"#, user: 123, token: token)
            #expect(status == .conflict)
            #expect(json["message"] == "The charger rejected the remote start: Connector is Faulted")
            let (_, active) = try await client.action("get_active_session", "{}", user: 123, token: token)
            #expect(active["error"] == "No active session")
        }
    }

    @Test func unreachableCMSIsAClearError() async throws {
        try await BackendUnderTest.run(cmsReachable: false) { backend, client in
            let (status, json) = try await client.action("start_charging", #"{"charger_id":"CP001"}"#, user: 123, token: try backend.token(user: 123))
            #expect(status == .serviceUnavailable)
            #expect(json["error"] == "Charger unreachable")
        }
    }

    @Test func stopWithoutSessionAndQueries() async throws {
        try await BackendUnderTest.run { backend, client in
            let token = try backend.token(user: 123)
            let (status, json) = try await client.action("stop_charging", "{}", user: 123, token: token)
            #expect(status == .notFound)
            #expect(json["error"] == "No active session")
            let (_, list) = try await client.action("list_chargers", "{}", user: 123, token: token)
            #expect(list["data"]?["chargers"]?.decodeCount == 10)
            let (_, charger) = try await client.action("get_charger_status", #"{"charger_id":"CP001"}"#, user: 123, token: token)
            #expect(charger["data"]?["connectors"] == [["connector_id": 1, "status": "Available"], ["connector_id": 2, "status": "Available"]])
            let (missing, _) = try await client.action("get_charger_status", #"{"charger_id":"CP999"}"#, user: 123, token: token)
            #expect(missing == .notFound)
        }
    }
}

extension JSONValue {
    var decodeCount: Int? {
        if case .array(let items) = self { return items.count }
        return nil
    }
}
