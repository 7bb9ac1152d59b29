/// An event of the CMS hop (charger-sim -> mock-backend, `POST /api/cms/events`), in the shape
/// of the spec's Example 2: `{"event", "charger_id", "transaction_id", "data"}`, plus the
/// connector. `data` carries the event's figures; for session events these are the fields of
/// the matching `session_update` data.
public struct CMSEvent: Codable, Sendable, Equatable {
    public var event: CMSEventName
    public var chargerID: String
    public var connectorID: Int?
    public var transactionID: Int?
    public var data: JSONValue

    public init(event: CMSEventName, chargerID: String, connectorID: Int? = nil, transactionID: Int? = nil,
                data: JSONValue = .object([:])) {
        self.event = event
        self.chargerID = chargerID
        self.connectorID = connectorID
        self.transactionID = transactionID
        self.data = data
    }

    /// Reads an event from parsed JSON (the backend's hot path), with the rules of the
    /// `Decodable` form: nil when a field has the wrong type.
    public init?(json: JSONValue) {
        guard let event = json["event"]?.stringValue, let chargerID = json["charger_id"]?.stringValue else { return nil }
        func optionalInt(_ key: String) -> Int?? {
            guard let value = json[key], !value.isNull else { return .some(nil) }
            guard case .int(let number) = value else { return nil }
            return .some(number)
        }
        guard let connectorID = optionalInt("connector_id"), let transactionID = optionalInt("transaction_id") else { return nil }
        // (JSONValue is ExpressibleByNilLiteral: test for null rather than map to nil.)
        let data = json["data"] ?? .null
        self.init(
            event: CMSEventName(rawValue: event), chargerID: chargerID, connectorID: connectorID, transactionID: transactionID,
            data: data.isNull ? .object([:]) : data)
    }

    enum CodingKeys: String, CodingKey {
        case event, chargerID = "charger_id", connectorID = "connector_id", transactionID = "transaction_id", data
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        event = try container.decode(CMSEventName.self, forKey: .event)
        chargerID = try container.decode(String.self, forKey: .chargerID)
        connectorID = try container.decodeIfPresent(Int.self, forKey: .connectorID)
        transactionID = try container.decodeIfPresent(Int.self, forKey: .transactionID)
        let data = try container.decodeIfPresent(JSONValue.self, forKey: .data) ?? .null
        self.data = data.isNull ? .object([:]) : data
    }
}

public struct CMSEventName: OpenName {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let sessionStarted: CMSEventName = "session_started"
    public static let meterValue: CMSEventName = "meter_value"
    public static let sessionStopped: CMSEventName = "session_stopped"
    public static let sessionCompleted: CMSEventName = "session_completed"
    public static let sessionError: CMSEventName = "session_error"
    public static let statusChanged: CMSEventName = "status_changed"
    public static let connectorStatusChanged: CMSEventName = "connector_status_changed"
    public static let error: CMSEventName = "error"
    public static let configurationChanged: CMSEventName = "configuration_changed"
    /// The CMS announces the URL of its API, so the backend can reach it (see the README).
    public static let cmsOnline: CMSEventName = "cms_online"
}

/// The CMS's answer to a remote start or stop (OCPP's RemoteStartStopStatus).
public struct RemoteCommandResult: Codable, Sendable, Equatable {
    public var status: String
    public var reason: String?

    public init(status: String, reason: String? = nil) {
        self.status = status
        self.reason = reason
    }

    public static let accepted = "Accepted"
    public static let rejected = "Rejected"
    public var isAccepted: Bool { status == Self.accepted }
}

/// The backend's request to the CMS to start a transaction on a connector.
public struct RemoteStartRequest: Codable, Sendable, Equatable {
    public var idTag: String
    public var transactionID: Int

    public init(idTag: String, transactionID: Int) {
        self.idTag = idTag
        self.transactionID = transactionID
    }

    enum CodingKeys: String, CodingKey { case idTag = "id_tag", transactionID = "transaction_id" }
}
