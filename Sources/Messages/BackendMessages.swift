/// Spec section 2: the gateway's `POST /api/websocket/message` body.
public struct BackendRequest: Codable, Sendable, Equatable {
    public var action: ActionName
    public var data: JSONValue
    public var userId: Int

    public init(action: ActionName, data: JSONValue, userId: Int) {
        self.action = action
        self.data = data
        self.userId = userId
    }

    /// The same body as the `Codable` form, for `JSONWriter` (hot paths).
    public var json: JSONValue {
        .object(["action": .string(action.rawValue), "data": data, "userId": .int(userId)])
    }

    /// Reads the body from parsed JSON (hot paths): nil unless `action` is a string, `data` an
    /// object and `userId` an integer.
    public init?(json: JSONValue) {
        guard let action = json["action"]?.stringValue, let data = json["data"], data.objectValue != nil,
              case .int(let userId)? = json["userId"]
        else { return nil }
        self.init(action: ActionName(rawValue: action), data: data, userId: userId)
    }
}

/// Spec section 2: the backend's answer, success (`data`) or error (`error` and `message`).
public struct BackendResponse: Codable, Sendable, Equatable {
    public var success: Bool
    public var data: JSONValue?
    public var error: String?
    public var message: String?

    public init(success: Bool, data: JSONValue? = nil, error: String? = nil, message: String? = nil) {
        self.success = success
        self.data = data
        self.error = error
        self.message = message
    }

    public static func success<Payload: Encodable>(_ payload: Payload) throws -> BackendResponse {
        BackendResponse(success: true, data: try JSONValue(encoding: payload))
    }

    public static func failure(_ error: String, message: String) -> BackendResponse {
        BackendResponse(success: false, error: error, message: message)
    }

    /// The `data` object of the gateway's `response` (spec 4.2): the backend's `data` fields
    /// next to `success: true`, or `success: false` with `error` and `message`.
    public var responseData: JSONValue {
        var fields: [String: JSONValue] = [:]
        if success, case .object(let payload)? = data {
            fields = payload
        }
        fields["success"] = .bool(success)
        if !success {
            fields["error"] = .string(error ?? "Request failed")
            fields["message"] = .string(message ?? error ?? "The backend could not handle the request")
        }
        return .object(fields)
    }
}

/// Spec 2.1: the backend's `data` for `start_charging`.
public struct StartChargingResult: Codable, Sendable, Equatable {
    public var sessionID: Int
    public var transactionID: Int
    public var chargerID: String
    public var connectorID: Int
    public var status: String
    public var message: String

    public init(sessionID: Int, transactionID: Int, chargerID: String, connectorID: Int,
                status: String = "initiated", message: String = "Charging session started") {
        self.sessionID = sessionID
        self.transactionID = transactionID
        self.chargerID = chargerID
        self.connectorID = connectorID
        self.status = status
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", transactionID = "transaction_id", chargerID = "charger_id"
        case connectorID = "connector_id", status, message
    }
}

/// Spec 2.2: the backend's `data` for `stop_charging`.
public struct StopChargingResult: Codable, Sendable, Equatable {
    public var sessionID: Int
    public var transactionID: Int
    public var status: String
    public var energyDelivered: Double
    public var duration: Int
    public var message: String

    public init(sessionID: Int, transactionID: Int, status: String = "stopped", energyDelivered: Double,
                duration: Int, message: String = "Charging session stopped") {
        self.sessionID = sessionID
        self.transactionID = transactionID
        self.status = status
        self.energyDelivered = energyDelivered
        self.duration = duration
        self.message = message
    }

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", transactionID = "transaction_id", status
        case energyDelivered = "energy_delivered", duration, message
    }
}

/// The backend's `data` for `get_charger_status` and the items of `list_chargers` (the spec
/// leaves their shape open; this is ours).
public struct ChargerStatusResult: Codable, Sendable, Equatable {
    public struct Connector: Codable, Sendable, Equatable {
        public var connectorID: Int
        public var status: String

        public init(connectorID: Int, status: String) {
            self.connectorID = connectorID
            self.status = status
        }

        enum CodingKeys: String, CodingKey { case connectorID = "connector_id", status }
    }

    public var chargerID: String
    public var name: String
    public var status: String
    public var connectors: [Connector]

    public init(chargerID: String, name: String, status: String, connectors: [Connector]) {
        self.chargerID = chargerID
        self.name = name
        self.status = status
        self.connectors = connectors
    }

    enum CodingKeys: String, CodingKey { case chargerID = "charger_id", name, status, connectors }
}

/// The backend's `data` for `list_chargers`.
public struct ChargerListResult: Codable, Sendable, Equatable {
    public var chargers: [ChargerStatusResult]
    public init(chargers: [ChargerStatusResult]) { self.chargers = chargers }
}

/// The backend's `data` for `get_active_session`: the live figures of the user's session.
public struct ActiveSessionResult: Codable, Sendable, Equatable {
    public var sessionID: Int
    public var transactionID: Int
    public var chargerID: String
    public var connectorID: Int
    public var status: String
    public var energyDelivered: Double
    public var power: Double
    public var duration: Int
    public var startTime: String?

    public init(sessionID: Int, transactionID: Int, chargerID: String, connectorID: Int, status: String,
                energyDelivered: Double, power: Double, duration: Int, startTime: String?) {
        self.sessionID = sessionID
        self.transactionID = transactionID
        self.chargerID = chargerID
        self.connectorID = connectorID
        self.status = status
        self.energyDelivered = energyDelivered
        self.power = power
        self.duration = duration
        self.startTime = startTime
    }

    enum CodingKeys: String, CodingKey {
        case sessionID = "session_id", transactionID = "transaction_id", chargerID = "charger_id"
        case connectorID = "connector_id", status, energyDelivered = "energy_delivered", power, duration
        case startTime = "start_time"
    }
}
