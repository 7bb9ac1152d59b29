/// OCPP 1.6 `ChargePointStatus` of a connector, and the transitions section 4.9 allows
/// (a "-" in its table is a transition a charger never reports).
public enum ChargePointStatus: String, Codable, Sendable, CaseIterable {
    case available = "Available"
    case preparing = "Preparing"
    case charging = "Charging"
    case suspendedEV = "SuspendedEV"
    case suspendedEVSE = "SuspendedEVSE"
    case finishing = "Finishing"
    case reserved = "Reserved"
    case unavailable = "Unavailable"
    case faulted = "Faulted"

    public static let allowed: [ChargePointStatus: Set<ChargePointStatus>] = [
        .available: [.preparing, .charging, .suspendedEV, .suspendedEVSE, .reserved, .unavailable, .faulted],
        .preparing: [.available, .charging, .suspendedEV, .suspendedEVSE, .finishing, .faulted],
        .charging: [.available, .suspendedEV, .suspendedEVSE, .finishing, .unavailable, .faulted],
        .suspendedEV: [.available, .charging, .suspendedEVSE, .finishing, .unavailable, .faulted],
        .suspendedEVSE: [.available, .charging, .suspendedEV, .finishing, .unavailable, .faulted],
        .finishing: [.available, .preparing, .unavailable, .faulted],
        .reserved: [.available, .preparing, .unavailable, .faulted],
        .unavailable: [.available, .preparing, .charging, .suspendedEV, .suspendedEVSE, .faulted],
        .faulted: [.available, .preparing, .charging, .suspendedEV, .suspendedEVSE, .finishing, .reserved, .unavailable],
    ]

    public func canTransition(to next: ChargePointStatus) -> Bool {
        Self.allowed[self, default: []].contains(next)
    }

    /// A car is plugged in and a transaction may be running.
    public var hasSession: Bool { [.charging, .suspendedEV, .suspendedEVSE].contains(self) }
}

/// OCPP 1.6 `ChargePointErrorCode`.
public enum ChargePointErrorCode: String, Codable, Sendable, CaseIterable {
    case connectorLockFailure = "ConnectorLockFailure"
    case evCommunicationError = "EVCommunicationError"
    case groundFailure = "GroundFailure"
    case highTemperature = "HighTemperature"
    case internalError = "InternalError"
    case localListConflict = "LocalListConflict"
    case noError = "NoError"
    case otherError = "OtherError"
    case overCurrentFailure = "OverCurrentFailure"
    case overVoltage = "OverVoltage"
    case powerMeterFailure = "PowerMeterFailure"
    case powerSwitchFailure = "PowerSwitchFailure"
    case readerFailure = "ReaderFailure"
    case resetFailure = "ResetFailure"
    case underVoltage = "UnderVoltage"
    case weakSignal = "WeakSignal"
}
