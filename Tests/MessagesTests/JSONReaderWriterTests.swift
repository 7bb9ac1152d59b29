import Foundation
import Messages
import Testing

@Suite("JSON reader and writer")
struct JSONReaderWriterTests {
    @Test func readsEveryKindOfValue() throws {
        let value = try JSONReader.parse(#" {"a":[1,-2,3.5,-0.25e2,1E3],"b":{"c":null,"d":true,"e":false},"s":"x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","big":12345678901234567890} "#)
        #expect(value["a"] == [1, -2, 3.5, -25, 1000])
        #expect(value["b"] == ["c": nil, "d": true, "e": false])
        #expect(value["s"] == .string("x\"\\/\u{08}\u{0C}\n\r\té😀"))
        #expect(value["big"]?.doubleValue == Double("12345678901234567890"))
        #expect(try JSONReader.parse("42") == .int(42))
        #expect(try JSONReader.parse(#""plain é""#) == "plain é")
    }

    @Test func agreesWithFoundationOnTheSpecExamples() throws {
        let text = #"{"type":"session_update","event":"meter_value","session_id":456,"data":{"energy_delivered":2.5,"power":7.2,"voltage":230,"tags":["a","b"]},"timestamp":"2025-01-29T12:00:00Z"}"#
        #expect(try JSONReader.parse(text) == JSONCoding.decode(JSONValue.self, from: text))
    }

    static let notJSON = [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{a:1}", "{\"a\" 1}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul",
        "\"abc", "\"\\x\"", "\"\\u12G4\"", "\"\\ud800\"", "\"\\udc00\"", "\"tab\there\"", "[1] 2", "NaN", "1e999",
        "'single'",
    ]

    @Test func refusesWhatIsNotJSON() {
        for text in Self.notJSON {
            #expect(throws: JSONReader.SyntaxError.self, "\(text)") { try JSONReader.parse(text) }
        }
        #expect(throws: JSONReader.SyntaxError.self) { try JSONReader.parse([0x22, 0xFF, 0x22]) }
        let deep = String(repeating: "[", count: JSONReader.maximumDepth + 1) + String(repeating: "]", count: JSONReader.maximumDepth + 1)
        #expect(throws: JSONReader.SyntaxError.self) { try JSONReader.parse(deep) }
    }

    static func members(_ text: String) throws -> [JSONReader.Member]? {
        try Array(text.utf8).withUnsafeBytes { bytes in try JSONReader.members(of: bytes) }
    }

    @Test func membersAreFoundInPlace() throws {
        let text = #" { "action" : "x" , "d\u0061ta":{"k":[1,{"n":null}],"s":"é\n"}, "id":-1.5e3 } "#
        let members = try #require(try Self.members(text))
        let bytes = Array(text.utf8)
        #expect(members.map(\.key) == ["action", "data", "id"])
        #expect(members.map { String(decoding: bytes[$0.value], as: UTF8.self) }
            == [#""x""#, #"{"k":[1,{"n":null}],"s":"é\n"}"#, "-1.5e3"])
        #expect(try Self.members("[1]") == nil)
        #expect(try Self.members(#""text""#) == nil)
        #expect(try Self.members("{}") == [])
    }

    @Test func membersAcceptWhatParseAccepts() throws {
        let valid = [
            "{}", " { } ", "[]", "0", "-1.5e-3", "\"é\\u00e9\\ud83d\\ude00\"", "true", "null",
            #"{"a":[1,[2,[3]],{"b":{"c":null}}],"d":"\"}"}"#, #"{"k":"\u0000","k":1}"#,
            "{\"n\":" + String(repeating: "[", count: JSONReader.maximumDepth - 2) + String(repeating: "]", count: JSONReader.maximumDepth - 2) + "}",
        ]
        for text in valid {
            _ = try JSONReader.parse(text)
            #expect(throws: Never.self, "\(text)") { try Self.members(text) }
        }
    }

    @Test func membersRefuseWhatParseRefuses() {
        for text in Self.notJSON {
            #expect(throws: JSONReader.SyntaxError.self, "\(text)") { try Self.members(text) }
            // Nested, where an empty text is an empty array.
            guard !text.allSatisfy(\.isWhitespace) else { continue }
            #expect(throws: JSONReader.SyntaxError.self, "\(text)") { try Self.members(#"{"k":{"n":["# + text + "]}}") }
        }
        #expect(throws: JSONReader.SyntaxError.self) { try [0x7B, 0x22, 0x6B, 0x22, 0x3A, 0x22, 0xFF, 0x22, 0x7D].withUnsafeBytes { try JSONReader.members(of: $0) } }
        let deep = "{\"k\":" + String(repeating: "[", count: JSONReader.maximumDepth) + String(repeating: "]", count: JSONReader.maximumDepth) + "}"
        #expect(throws: JSONReader.SyntaxError.self) { try Self.members(deep) }
    }

    @Test func writesTheSameBytesAsJSONCoding() throws {
        let value: JSONValue = [
            "z": 1, "a": [true, false, nil], "url": "http://x/y", "quote": "say \"hi\"\n\u{01}", "n": 230.0, "f": 0.361,
            "neg": -7, "nested": ["b": 2, "a": "é"],
        ]
        #expect(JSONWriter.string(value) == (try JSONCoding.encodeString(value)))
        #expect(try JSONReader.parse(JSONWriter.bytes(value)) == value)
    }

    @Test func responseAndBackendRequestShortcutsMatchTheirCodableForms() throws {
        let response = ResponseMessage(action: .startCharging, data: ["success": true, "session_id": 1], id: "r1", timestamp: "2025-01-29T12:00:00Z")
        #expect(JSONWriter.string(response.json) == (try JSONCoding.encodeString(response)))
        let withoutID = ResponseMessage(action: .listChargers, data: ["success": true], timestamp: "2025-01-29T12:00:00Z")
        #expect(JSONWriter.string(withoutID.json) == (try JSONCoding.encodeString(withoutID)))
        let request = BackendRequest(action: .stopCharging, data: ["charger_id": "CP001", "future_field": [1]], userId: 123)
        #expect(JSONWriter.string(request.json) == (try JSONCoding.encodeString(request)))
    }

    @Test func encodingToAValueWritesWhatJSONCodingWrites() throws {
        struct Mixed: Codable {
            var url = URL(string: "http://127.0.0.1:9000/api")!
            var data = Data([1, 2, 3])
            var missing: String? = nil
            var present: String? = "here"
            var small: Float = 0.5
            var whole = 230.0
            var list = [1, 2]
            var nested = ["k": [true]]
        }
        func check<T: Encodable>(_ value: T) throws {
            #expect(JSONWriter.string(try JSONValue(encoding: value)) == (try JSONCoding.encodeString(value)), "\(T.self)")
        }
        try check(Mixed())
        try check(SessionUpdate(sessionID: 456, transactionID: 789, event: .meterValue, data: ["power": 7.2], timestamp: "2025-01-29T12:00:00Z"))
        try check(StartChargingResult(sessionID: 1, transactionID: 2, chargerID: "CP001", connectorID: 1))
        try check(ChargerListResult(chargers: [ChargerStatusResult(chargerID: "CP001", name: "A", status: "Available", connectors: [.init(connectorID: 1, status: "Available")])]))
        try check(ActiveSessionResult(sessionID: 1, transactionID: 2, chargerID: "CP001", connectorID: 1, status: "charging", energyDelivered: 1.5, power: 7, duration: 60, startTime: nil))
        try check(BackendResponse(success: false, error: "E", message: "M"))
        try check(NotificationMessage(title: "T", message: "M", data: ["session_id": 1], timestamp: "2025-01-29T12:00:00Z"))
    }

    @Test func cmsEventsAndBackendRequestsReadFromJSONAsTheirDecodableForms() throws {
        let events = [
            #"{"event":"meter_value","charger_id":"CP001","connector_id":1,"transaction_id":789,"data":{"power":7.2}}"#,
            #"{"event":"status_changed","charger_id":"CP002","data":{"status":"Faulted"}}"#,
            #"{"event":"cms_online","charger_id":"*","connector_id":null,"data":null}"#,
        ]
        for text in events {
            let viaDecodable = try JSONCoding.decode(CMSEvent.self, from: text)
            let viaReader = CMSEvent(json: try JSONReader.parse(text))
            #expect(viaReader == viaDecodable, "\(text) \(String(describing: viaReader))")
        }
        for text in [#"{"charger_id":"CP001"}"#, #"{"event":"x","charger_id":"CP001","transaction_id":"789"}"#, #"{"event":1,"charger_id":"C"}"#] {
            #expect(CMSEvent(json: try JSONReader.parse(text)) == nil, "\(text)")
            #expect(throws: (any Error).self) { try JSONCoding.decode(CMSEvent.self, from: text) }
        }
        let request = #"{"action":"start_charging","data":{"charger_id":"CP001","extra":[1]},"userId":123}"#
        #expect(BackendRequest(json: try JSONReader.parse(request)) == (try JSONCoding.decode(BackendRequest.self, from: request)))
        for text in [#"{"action":"a","data":[],"userId":1}"#, #"{"action":"a","data":{},"userId":"1"}"#, #"{"data":{},"userId":1}"#] {
            #expect(BackendRequest(json: try JSONReader.parse(text)) == nil, "\(text)")
        }
    }
}
