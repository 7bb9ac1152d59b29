import OCPP

/// Why a transaction stopped: OCPP 1.6 `Reason` names, with the spec's "RemoteStop".
enum StopReason: String, Sendable {
    case remoteStop = "RemoteStop"
    case local = "Local"
    case evDisconnected = "EVDisconnected"
    case powerLoss = "PowerLoss"
    case other = "Other"
    case softReset = "SoftReset"
    case hardReset = "HardReset"
    case unlockCommand = "UnlockCommand"
    case deAuthorized = "DeAuthorized"

    /// The reason as StopTransaction carries it (OCPP says Remote where the spec says RemoteStop).
    init?(ocpp reason: String) {
        if reason == StopTransactionReason.remote.rawValue { self = .remoteStop } else { self.init(rawValue: reason) }
    }

    var ocpp: StopTransactionReason {
        self == .remoteStop ? .remote : StopTransactionReason(rawValue: rawValue) ?? .other
    }
}
