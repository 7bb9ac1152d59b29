/// A message from the app to the gateway (spec section 1): `{"action": ..., "data": {...}}`.
///
/// `data` stays raw JSON: the gateway checks that it is an object and forwards it untouched.
/// `id` is this project's extension: when present, the `response` carries it back. So is
/// `traceparent` (W3C Trace Context): the action's hops continue that trace.
public struct ClientMessage: Codable, Sendable, Equatable {
    public var action: ActionName
    public var data: JSONValue
    public var id: JSONValue?
    public var traceparent: String?

    public init(action: ActionName, data: JSONValue = .object([:]), id: JSONValue? = nil, traceparent: String? = nil) {
        self.action = action
        self.data = data
        self.id = id
        self.traceparent = traceparent
    }

    public init<Payload: Encodable>(action: ActionName, payload: Payload, id: JSONValue? = nil) throws {
        self.init(action: action, data: try JSONValue(encoding: payload), id: id)
    }

    private enum CodingKeys: String, CodingKey { case action, data, id, traceparent }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        action = try container.decode(ActionName.self, forKey: .action)
        data = try container.decodeIfPresent(JSONValue.self, forKey: .data) ?? .object([:])
        id = try container.decodeIfPresent(JSONValue.self, forKey: .id)
        traceparent = try container.decodeIfPresent(String.self, forKey: .traceparent)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(action, forKey: .action)
        try container.encode(data, forKey: .data)
        try container.encodeIfPresent(id, forKey: .id)
        try container.encodeIfPresent(traceparent, forKey: .traceparent)
    }
}

/// 1.1 `start_charging`.
public struct StartChargingData: Codable, Sendable, Equatable {
    public var chargerID: String
    /// Optional; the backend treats a missing one as 1.
    public var connectorID: Int?

    public init(chargerID: String, connectorID: Int? = nil) {
        self.chargerID = chargerID
        self.connectorID = connectorID
    }

    enum CodingKeys: String, CodingKey {
        case chargerID = "charger_id"
        case connectorID = "connector_id"
    }
}

/// 1.2 `stop_charging`: without a charger, the user's active session stops.
public struct StopChargingData: Codable, Sendable, Equatable {
    public var chargerID: String?

    public init(chargerID: String? = nil) { self.chargerID = chargerID }

    enum CodingKeys: String, CodingKey { case chargerID = "charger_id" }
}

/// 1.3 `get_charger_status`.
public struct ChargerStatusRequest: Codable, Sendable, Equatable {
    public var chargerID: String

    public init(chargerID: String) { self.chargerID = chargerID }

    enum CodingKeys: String, CodingKey { case chargerID = "charger_id" }
}
