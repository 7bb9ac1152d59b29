/// `data` of `session_started` (spec 3.2). Times are the simulator's clock.
public struct SessionStartedData: Codable, Sendable, Equatable {
    public var chargerID: String
    public var connectorID: Int
    public var idTag: String
    public var meterStart: Int
    public var startTime: String

    public init(chargerID: String, connectorID: Int, idTag: String, meterStart: Int, startTime: String) {
        self.chargerID = chargerID
        self.connectorID = connectorID
        self.idTag = idTag
        self.meterStart = meterStart
        self.startTime = startTime
    }

    enum CodingKeys: String, CodingKey {
        case chargerID = "charger_id", connectorID = "connector_id", idTag = "id_tag"
        case meterStart = "meter_start", startTime = "start_time"
    }
}

/// `data` of `meter_value` (spec 3.2). `voltage`, `current` and `soc` (state of charge, %)
/// are optional: the spec's section 4.4 example leaves the first two out.
public struct MeterValueData: Codable, Sendable, Equatable {
    public var chargerID: String
    public var connectorID: Int
    /// kWh since the session started.
    public var energyDelivered: Double
    /// kW.
    public var power: Double
    public var voltage: Double?
    public var current: Double?
    /// The meter register, Wh.
    public var meterValue: Int
    public var soc: Double?
    public var timestamp: String

    public init(chargerID: String, connectorID: Int, energyDelivered: Double, power: Double,
                voltage: Double? = nil, current: Double? = nil, meterValue: Int, soc: Double? = nil, timestamp: String) {
        self.chargerID = chargerID
        self.connectorID = connectorID
        self.energyDelivered = energyDelivered
        self.power = power
        self.voltage = voltage
        self.current = current
        self.meterValue = meterValue
        self.soc = soc
        self.timestamp = timestamp
    }

    enum CodingKeys: String, CodingKey {
        case chargerID = "charger_id", connectorID = "connector_id", energyDelivered = "energy_delivered"
        case power, voltage, current, meterValue = "meter_value", soc, timestamp
    }
}

/// `data` of `session_stopped` (spec 3.2).
public struct SessionStoppedData: Codable, Sendable, Equatable {
    public var chargerID: String
    public var connectorID: Int
    public var meterStop: Int
    public var energyDelivered: Double
    public var duration: Int
    public var stopTime: String
    public var stopReason: String

    public init(chargerID: String, connectorID: Int, meterStop: Int, energyDelivered: Double, duration: Int,
                stopTime: String, stopReason: String) {
        self.chargerID = chargerID
        self.connectorID = connectorID
        self.meterStop = meterStop
        self.energyDelivered = energyDelivered
        self.duration = duration
        self.stopTime = stopTime
        self.stopReason = stopReason
    }

    enum CodingKeys: String, CodingKey {
        case chargerID = "charger_id", connectorID = "connector_id", meterStop = "meter_stop"
        case energyDelivered = "energy_delivered", duration, stopTime = "stop_time", stopReason = "stop_reason"
    }
}

/// `data` of `status_changed` (spec 3.3).
public struct StatusChangedData: Codable, Sendable, Equatable {
    public var status: String
    public var previousStatus: String
    public var connectorID: Int
    /// OCPP's ChargePointErrorCode when the connector is Faulted; absent otherwise.
    public var errorCode: String?
    public var timestamp: String

    public init(status: String, previousStatus: String, connectorID: Int, errorCode: String? = nil, timestamp: String) {
        self.status = status
        self.previousStatus = previousStatus
        self.connectorID = connectorID
        self.errorCode = errorCode
        self.timestamp = timestamp
    }

    enum CodingKeys: String, CodingKey {
        case status, previousStatus = "previous_status", connectorID = "connector_id", errorCode = "error_code", timestamp
    }
}

/// `data` of `connector_status_changed` (spec 3.3). `error_code` is always present, `null`
/// when there is none, as in the spec's example.
public struct ConnectorStatusChangedData: Codable, Sendable, Equatable {
    public var connectorID: Int
    public var status: String
    public var previousStatus: String
    public var errorCode: String?
    public var timestamp: String

    public init(connectorID: Int, status: String, previousStatus: String, errorCode: String? = nil, timestamp: String) {
        self.connectorID = connectorID
        self.status = status
        self.previousStatus = previousStatus
        self.errorCode = errorCode
        self.timestamp = timestamp
    }

    enum CodingKeys: String, CodingKey {
        case connectorID = "connector_id", status, previousStatus = "previous_status", errorCode = "error_code", timestamp
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(connectorID, forKey: .connectorID)
        try container.encode(status, forKey: .status)
        try container.encode(previousStatus, forKey: .previousStatus)
        try container.encode(errorCode, forKey: .errorCode)
        try container.encode(timestamp, forKey: .timestamp)
    }
}
