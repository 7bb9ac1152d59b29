import Foundation
import Messages
import Testing

@Suite("Messages")
struct MessageTests {
    @Test func timestampsAreUTCSecondsWithZ() {
        #expect(Timestamp.string(from: Date(timeIntervalSince1970: 1_738_152_000)) == "2025-01-29T12:00:00Z")
        #expect(Timestamp.string(from: Date(timeIntervalSince1970: 1_738_152_000.9)) == "2025-01-29T12:00:00Z")
        #expect(Timestamp.string(from: Date(timeIntervalSince1970: 1_772_600_767)) == "2026-03-04T05:06:07Z")
        #expect(Timestamp.string(from: Date(timeIntervalSince1970: 946_684_799)) == "1999-12-31T23:59:59Z")
        #expect(Timestamp.date(from: "2025-01-29T12:00:00Z") == Date(timeIntervalSince1970: 1_738_152_000))
        #expect(Timestamp.date(from: "2025-01-29T13:00:00+01:00") == Date(timeIntervalSince1970: 1_738_152_000))
        #expect(Timestamp.date(from: "yesterday") == nil)
    }

    @Test func userChannelNames() {
        #expect(UserChannel.names(forUser: 123) == ["user:123:notifications", "user:123:session_updates", "user:123:charger_updates"])
        #expect(UserChannel.parse("user:123:session_updates")! == (123, .sessionUpdates))
        #expect(UserChannel.parse("user:abc:session_updates") == nil)
        #expect(UserChannel.parse("user:1:other") == nil)
        #expect(UserChannel.parse("user:1:notifications:x") == nil)
        for bad in ["user::notifications", "user:12", "user:12:", "users:1:notifications", "user:1notifications", "user:-:notifications", "user:9223372036854775808:notifications", ""] {
            #expect(UserChannel.parse(bad) == nil, "\(bad)")
        }
        for id in [0, -5, Int.max, Int.min, 1_234_567_890_123_456_789] {
            #expect(UserChannel.parse(UserChannel.notifications.name(forUser: id))! == (id, .notifications))
        }
        #expect(Array("user:42:charger_updates".utf8).withUnsafeBytes { UserChannel.parse($0) }! == (42, .chargerUpdates))
    }

    @Test func successResponseCarriesBackendFieldsNextToSuccess() throws {
        let backend = try JSONCoding.decode(BackendResponse.self, from: #"{"success":true,"data":{"session_id":456,"extra":[1]}}"#)
        #expect(backend.responseData == ["success": true, "session_id": 456, "extra": [1]])
    }

    @Test func errorResponseCarriesErrorAndMessage() throws {
        let backend = try JSONCoding.decode(
            BackendResponse.self, from: #"{"success":false,"error":"Charger not available","message":"The requested charger is currently unavailable"}"#)
        #expect(backend.responseData == [
            "success": false, "error": "Charger not available", "message": "The requested charger is currently unavailable",
        ])
    }

    @Test func connectorStatusEncodesNullErrorCode() throws {
        let data = ConnectorStatusChangedData(connectorID: 1, status: "Occupied", previousStatus: "Available", timestamp: "2025-01-29T12:00:00Z")
        #expect(try JSONValue(encoding: data)["error_code"] == .null)
    }

    @Test func messageTypesDoNotDecodeAsEachOther() {
        #expect(throws: DecodingError.self) {
            try JSONCoding.decode(NotificationMessage.self, from: #"{"type":"error","title":"t","message":"m","timestamp":"x"}"#)
        }
        #expect(throws: (any Error).self) { try GatewayMessage(json: #"{"type":"surprise"}"#) }
    }

    @Test func gatewayMessageTellsTypesApart() throws {
        let message = try GatewayMessage(json: #"{"type":"connected","timestamp":"2025-01-29T12:00:00Z","userId":123}"#)
        #expect(message == .connected(ConnectedMessage(userId: 123, timestamp: "2025-01-29T12:00:00Z")))
    }

    @Test func clientMessageDataDefaultsToEmptyObjectAndKeepsID() throws {
        let message = try JSONCoding.decode(ClientMessage.self, from: #"{"action":"list_chargers","id":"r1"}"#)
        #expect(message.data == .object([:]))
        #expect(message.id == "r1")
        let encoded = try JSONCoding.encodeString(ClientMessage(action: .listChargers))
        #expect(encoded == #"{"action":"list_chargers","data":{}}"#)
    }

    @Test func numbersCompareByValue() {
        #expect(JSONValue.int(230) == JSONValue.double(230))
        #expect(JSONValue.int(230) != JSONValue.double(230.5))
        #expect(JSONValue.double(5.0).intValue == 5)
        #expect(JSONValue.string("5").intValue == nil)
    }
}
