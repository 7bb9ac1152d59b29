// The enumerations of OCPP 1.6 that the core profile's messages use (specification section 7),
// with the values the JSON schemas list.

public enum AuthorizationStatus: String, Codable, Sendable, CaseIterable {
    case accepted = "Accepted", blocked = "Blocked", expired = "Expired", invalid = "Invalid", concurrentTx = "ConcurrentTx"
}

public enum RegistrationStatus: String, Codable, Sendable, CaseIterable {
    case accepted = "Accepted", pending = "Pending", rejected = "Rejected"
}

/// `CancelReservationStatus`, `ClearCacheStatus`, `RemoteStartStopStatus` and `ResetStatus`:
/// four names of the specification for the same two values.
public enum AcceptedOrRejected: String, Codable, Sendable, CaseIterable {
    case accepted = "Accepted", rejected = "Rejected"
}

public enum AvailabilityType: String, Codable, Sendable, CaseIterable {
    case inoperative = "Inoperative", operative = "Operative"
}

public enum AvailabilityStatus: String, Codable, Sendable, CaseIterable {
    case accepted = "Accepted", rejected = "Rejected", scheduled = "Scheduled"
}

public enum ConfigurationStatus: String, Codable, Sendable, CaseIterable {
    case accepted = "Accepted", rejected = "Rejected", rebootRequired = "RebootRequired", notSupported = "NotSupported"
}

public enum DataTransferStatus: String, Codable, Sendable, CaseIterable {
    case accepted = "Accepted", rejected = "Rejected", unknownMessageId = "UnknownMessageId", unknownVendorId = "UnknownVendorId"
}

public enum ReadingContext: String, Codable, Sendable, CaseIterable {
    case interruptionBegin = "Interruption.Begin", interruptionEnd = "Interruption.End", sampleClock = "Sample.Clock"
    case samplePeriodic = "Sample.Periodic", transactionBegin = "Transaction.Begin", transactionEnd = "Transaction.End"
    case trigger = "Trigger", other = "Other"
}

public enum ValueFormat: String, Codable, Sendable, CaseIterable {
    case raw = "Raw", signedData = "SignedData"
}

public enum Measurand: String, Codable, Sendable, CaseIterable {
    case energyActiveExportRegister = "Energy.Active.Export.Register", energyActiveImportRegister = "Energy.Active.Import.Register"
    case energyReactiveExportRegister = "Energy.Reactive.Export.Register", energyReactiveImportRegister = "Energy.Reactive.Import.Register"
    case energyActiveExportInterval = "Energy.Active.Export.Interval", energyActiveImportInterval = "Energy.Active.Import.Interval"
    case energyReactiveExportInterval = "Energy.Reactive.Export.Interval", energyReactiveImportInterval = "Energy.Reactive.Import.Interval"
    case powerActiveExport = "Power.Active.Export", powerActiveImport = "Power.Active.Import", powerOffered = "Power.Offered"
    case powerReactiveExport = "Power.Reactive.Export", powerReactiveImport = "Power.Reactive.Import", powerFactor = "Power.Factor"
    case currentImport = "Current.Import", currentExport = "Current.Export", currentOffered = "Current.Offered"
    case voltage = "Voltage", frequency = "Frequency", temperature = "Temperature", soc = "SoC", rpm = "RPM"
}

public enum Phase: String, Codable, Sendable, CaseIterable {
    case l1 = "L1", l2 = "L2", l3 = "L3", n = "N", l1N = "L1-N", l2N = "L2-N", l3N = "L3-N", l1L2 = "L1-L2", l2L3 = "L2-L3", l3L1 = "L3-L1"
}

public enum Location: String, Codable, Sendable, CaseIterable {
    case cable = "Cable", ev = "EV", inlet = "Inlet", outlet = "Outlet", body = "Body"
}

/// `UnitOfMeasure`, with the schemas' old misspelling `Celcius` kept beside `Celsius`.
public enum UnitOfMeasure: String, Codable, Sendable, CaseIterable {
    case wh = "Wh", kWh = "kWh", varh = "varh", kvarh = "kvarh", w = "W", kW = "kW", va = "VA", kVA = "kVA", `var` = "var", kvar = "kvar"
    case a = "A", v = "V", k = "K", celcius = "Celcius", celsius = "Celsius", fahrenheit = "Fahrenheit", percent = "Percent"
    case hertz = "Hertz"

    /// StopTransaction's schema lists every unit but `Hertz`.
    static let inTransactionData = allCases.filter { $0 != .hertz }
}

/// Why a transaction stopped (`Reason`).
public enum StopTransactionReason: String, Codable, Sendable, CaseIterable {
    case emergencyStop = "EmergencyStop", evDisconnected = "EVDisconnected", hardReset = "HardReset", local = "Local", other = "Other"
    case powerLoss = "PowerLoss", reboot = "Reboot", remote = "Remote", softReset = "SoftReset", unlockCommand = "UnlockCommand"
    case deAuthorized = "DeAuthorized"
}

public enum ChargingProfilePurpose: String, Codable, Sendable, CaseIterable {
    case chargePointMaxProfile = "ChargePointMaxProfile", txDefaultProfile = "TxDefaultProfile", txProfile = "TxProfile"
}

public enum ChargingProfileKind: String, Codable, Sendable, CaseIterable {
    case absolute = "Absolute", recurring = "Recurring", relative = "Relative"
}

public enum RecurrencyKind: String, Codable, Sendable, CaseIterable {
    case daily = "Daily", weekly = "Weekly"
}

public enum ChargingRateUnit: String, Codable, Sendable, CaseIterable {
    case amperes = "A", watts = "W"
}

public enum MessageTrigger: String, Codable, Sendable, CaseIterable {
    case bootNotification = "BootNotification", diagnosticsStatusNotification = "DiagnosticsStatusNotification"
    case firmwareStatusNotification = "FirmwareStatusNotification", heartbeat = "Heartbeat", meterValues = "MeterValues"
    case statusNotification = "StatusNotification"
}

public enum TriggerMessageStatus: String, Codable, Sendable, CaseIterable {
    case accepted = "Accepted", rejected = "Rejected", notImplemented = "NotImplemented"
}

public enum ReservationStatus: String, Codable, Sendable, CaseIterable {
    case accepted = "Accepted", faulted = "Faulted", occupied = "Occupied", rejected = "Rejected", unavailable = "Unavailable"
}

public enum ResetType: String, Codable, Sendable, CaseIterable {
    case hard = "Hard", soft = "Soft"
}

public enum UnlockStatus: String, Codable, Sendable, CaseIterable {
    case unlocked = "Unlocked", unlockFailed = "UnlockFailed", notSupported = "NotSupported"
}
