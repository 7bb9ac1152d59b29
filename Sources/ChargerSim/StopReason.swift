/// Why a transaction stopped: OCPP 1.6 `Reason` names, with the spec's "RemoteStop".
enum StopReason: String, Sendable {
    case remoteStop = "RemoteStop"
    case local = "Local"
    case evDisconnected = "EVDisconnected"
    case powerLoss = "PowerLoss"
    case other = "Other"
}
