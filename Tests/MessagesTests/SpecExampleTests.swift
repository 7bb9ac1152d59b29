import Foundation
import Messages
import Testing

/// Every JSON example of the spec decodes into its Swift type and encodes back to the same JSON.
@Suite("Spec examples")
struct SpecExampleTests {
    static let specURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("spec/websocket-protocol.md")

    /// The ```json blocks of the spec, with `// comments` removed (the spec uses them as
    /// placeholders inside objects).
    static func jsonExamples() throws -> [String] {
        let text = try String(contentsOf: specURL, encoding: .utf8)
        var blocks: [String] = []
        var current: [String]?
        for line in text.components(separatedBy: "\n") {
            if current == nil, line.trimmingCharacters(in: .whitespaces) == "```json" {
                current = []
            } else if current != nil, line.trimmingCharacters(in: .whitespaces) == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else if current != nil {
                let withoutComment = line.range(of: "//").map { String(line[..<$0.lowerBound]) } ?? line
                current!.append(withoutComment)
            }
        }
        return blocks
    }

    @Test("the spec has the examples this suite expects")
    func exampleCount() throws {
        // Sections 1 to 5 and the error handling section: 36 json blocks.
        #expect(try Self.jsonExamples().count == 36)
    }

    @Test("the repository's copy of the spec is the shared one")
    func specCopyIsCurrent() throws {
        let shared = Self.specURL.deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/spec/websocket-protocol.md")
        guard FileManager.default.fileExists(atPath: shared.path) else { return }
        #expect(try Data(contentsOf: shared) == Data(contentsOf: Self.specURL))
    }

    @Test("every example round-trips through its type", arguments: 0..<36)
    func roundTrip(index: Int) throws {
        let example = try Self.jsonExamples()[index]
        let original = try JSONCoding.decode(JSONValue.self, from: example)
        let reencoded = try Self.roundTrip(original)
        #expect(reencoded == original, "example \(index): \(example)")
    }

    /// Picks the type by the example's shape, decodes, encodes, and parses again.
    static func roundTrip(_ value: JSONValue) throws -> JSONValue {
        func through<T: Codable>(_ type: T.Type) throws -> JSONValue {
            try JSONValue(encoding: try value.decode(as: type))
        }
        if let type = value["type"]?.stringValue {
            switch MessageType(rawValue: type) {
            case .connected: return try through(ConnectedMessage.self)
            case .response: return try through(ResponseMessage.self)
            case .notification: return try through(NotificationMessage.self)
            case .sessionUpdate:
                let update = try value.decode(as: SessionUpdate.self)
                try checkTypedData(update)
                return try through(SessionUpdate.self)
            case .chargerUpdate:
                let update = try value.decode(as: ChargerUpdate.self)
                if update.event == .statusChanged { _ = try update.data.decode(as: StatusChangedData.self) }
                if update.event == .connectorStatusChanged {
                    #expect(try JSONValue(encoding: update.data.decode(as: ConnectorStatusChangedData.self)) == update.data)
                }
                return try through(ChargerUpdate.self)
            case .error: return try through(ErrorMessage.self)
            case nil: Issue.record("unknown type \(type)"); return value
            }
        }
        if value["userId"] != nil, value["action"] != nil { return try through(BackendRequest.self) }
        if value["action"] != nil {
            let message = try value.decode(as: ClientMessage.self)
            try checkTypedData(message)
            return try through(ClientMessage.self)
        }
        if value["success"] != nil {
            let response = try value.decode(as: BackendResponse.self)
            if response.data?["session_id"] != nil, response.data?["connector_id"] != nil {
                #expect(try JSONValue(encoding: response.data!.decode(as: StartChargingResult.self)) == response.data)
            } else if response.data?["duration"] != nil {
                #expect(try JSONValue(encoding: response.data!.decode(as: StopChargingResult.self)) == response.data)
            }
            return try through(BackendResponse.self)
        }
        if value["event"] != nil, value["charger_id"] != nil { return try through(CMSEvent.self) }
        Issue.record("no type for \(value)")
        return value
    }

    /// The typed payloads read the examples' data without losing a field.
    static func checkTypedData(_ update: SessionUpdate) throws {
        switch update.event {
        case .sessionStarted:
            #expect(try JSONValue(encoding: update.data.decode(as: SessionStartedData.self)) == update.data)
        case .meterValue:
            #expect(try JSONValue(encoding: update.data.decode(as: MeterValueData.self)) == update.data)
        case .sessionStopped:
            #expect(try JSONValue(encoding: update.data.decode(as: SessionStoppedData.self)) == update.data)
        default:
            break
        }
    }

    static func checkTypedData(_ message: ClientMessage) throws {
        switch message.action {
        case .startCharging:
            #expect(try JSONValue(encoding: message.data.decode(as: StartChargingData.self)) == message.data)
        case .stopCharging:
            #expect(try JSONValue(encoding: message.data.decode(as: StopChargingData.self)) == message.data)
        case .getChargerStatus:
            #expect(try JSONValue(encoding: message.data.decode(as: ChargerStatusRequest.self)) == message.data)
        default:
            #expect(message.data == .object([:]))
        }
    }
}
