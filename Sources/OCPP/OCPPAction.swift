/// Every action of OCPP 1.6. Those this library has types for carry their schemas; a CALL
/// of another known action is answered NotSupported, one of an unknown action NotImplemented.
public enum OCPPAction: String, Sendable, CaseIterable {
    case authorize = "Authorize", bootNotification = "BootNotification", cancelReservation = "CancelReservation"
    case changeAvailability = "ChangeAvailability", changeConfiguration = "ChangeConfiguration", clearCache = "ClearCache"
    case clearChargingProfile = "ClearChargingProfile", dataTransfer = "DataTransfer"
    case diagnosticsStatusNotification = "DiagnosticsStatusNotification", firmwareStatusNotification = "FirmwareStatusNotification"
    case getCompositeSchedule = "GetCompositeSchedule", getConfiguration = "GetConfiguration", getDiagnostics = "GetDiagnostics"
    case getLocalListVersion = "GetLocalListVersion", heartbeat = "Heartbeat", meterValues = "MeterValues"
    case remoteStartTransaction = "RemoteStartTransaction", remoteStopTransaction = "RemoteStopTransaction", reserveNow = "ReserveNow"
    case reset = "Reset", sendLocalList = "SendLocalList", setChargingProfile = "SetChargingProfile"
    case startTransaction = "StartTransaction", statusNotification = "StatusNotification", stopTransaction = "StopTransaction"
    case triggerMessage = "TriggerMessage", unlockConnector = "UnlockConnector", updateFirmware = "UpdateFirmware"

    /// The schemas of the request and of its answer; nil for an action without types here.
    public var schemas: (request: OCPPSchema, response: OCPPSchema)? {
        guard let type = requestType else { return nil }
        return (type.schema, type.responseSchema)
    }

    var requestType: (any OCPPRequest.Type)? {
        switch self {
        case .authorize: AuthorizeRequest.self
        case .bootNotification: BootNotificationRequest.self
        case .cancelReservation: CancelReservationRequest.self
        case .changeAvailability: ChangeAvailabilityRequest.self
        case .changeConfiguration: ChangeConfigurationRequest.self
        case .clearCache: ClearCacheRequest.self
        case .dataTransfer: DataTransferRequest.self
        case .getConfiguration: GetConfigurationRequest.self
        case .heartbeat: HeartbeatRequest.self
        case .meterValues: MeterValuesRequest.self
        case .remoteStartTransaction: RemoteStartTransactionRequest.self
        case .remoteStopTransaction: RemoteStopTransactionRequest.self
        case .reserveNow: ReserveNowRequest.self
        case .reset: ResetRequest.self
        case .startTransaction: StartTransactionRequest.self
        case .statusNotification: StatusNotificationRequest.self
        case .stopTransaction: StopTransactionRequest.self
        case .triggerMessage: TriggerMessageRequest.self
        case .unlockConnector: UnlockConnectorRequest.self
        default: nil
        }
    }
}

extension OCPPRequest {
    static var responseSchema: OCPPSchema { Response.schema }
}
