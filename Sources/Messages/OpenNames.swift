/// Names that the spec lists but a backend may extend (new actions, new events): a string with
/// the known values as constants, so unknown ones pass through instead of failing to decode.
public protocol OpenName: RawRepresentable, Codable, Hashable, Sendable, ExpressibleByStringLiteral,
    CustomStringConvertible where RawValue == String
{
    init(rawValue: String)
}

extension OpenName {
    public init(stringLiteral value: String) { self.init(rawValue: value) }
    public var description: String { rawValue }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The actions of spec section 1.
public struct ActionName: OpenName {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let startCharging: ActionName = "start_charging"
    public static let stopCharging: ActionName = "stop_charging"
    public static let getChargerStatus: ActionName = "get_charger_status"
    public static let getActiveSession: ActionName = "get_active_session"
    public static let listChargers: ActionName = "list_chargers"

    public static let documented: [ActionName] = [
        .startCharging, .stopCharging, .getChargerStatus, .getActiveSession, .listChargers,
    ]
}

/// The events of a `session_update` (spec 3.2).
public struct SessionEvent: OpenName {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let sessionStarted: SessionEvent = "session_started"
    public static let sessionStopped: SessionEvent = "session_stopped"
    public static let meterValue: SessionEvent = "meter_value"
    public static let sessionError: SessionEvent = "session_error"
    public static let sessionCompleted: SessionEvent = "session_completed"
}

/// The events of a `charger_update` (spec 3.3).
public struct ChargerEvent: OpenName {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let statusChanged: ChargerEvent = "status_changed"
    public static let connectorStatusChanged: ChargerEvent = "connector_status_changed"
    public static let error: ChargerEvent = "error"
    public static let configurationChanged: ChargerEvent = "configuration_changed"
}
