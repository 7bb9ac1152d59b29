// The OCPP 1.6 messages that a central system sends to a charge point (core profile, with
// TriggerMessage and the reservation profile), each with its answer.

/// The answer of the requests whose only field is a status.
public struct StatusResponse<Status: RawRepresentable & CaseIterable & Codable & Sendable & Equatable>: OCPPPayload
where Status.RawValue == String {
    public var status: Status

    public init(status: Status) { self.status = status }

    public static var schema: OCPPSchema { .object([.required("status", .enumeration(Status.self))]) }
}

public struct CancelReservationRequest: OCPPRequest {
    public typealias Response = StatusResponse<AcceptedOrRejected>
    public static let action = OCPPAction.cancelReservation
    public var reservationId: Int

    public init(reservationId: Int) { self.reservationId = reservationId }

    public static let schema = OCPPSchema.object([.required("reservationId", .integer)])
}

public struct ChangeAvailabilityRequest: OCPPRequest {
    public typealias Response = StatusResponse<AvailabilityStatus>
    public static let action = OCPPAction.changeAvailability
    /// 0: the whole charge point.
    public var connectorId: Int
    public var type: AvailabilityType

    public init(connectorId: Int, type: AvailabilityType) {
        self.connectorId = connectorId
        self.type = type
    }

    public static let schema = OCPPSchema.object([.required("connectorId", .integer), .required("type", .enumeration(AvailabilityType.self))])
}

public struct ChangeConfigurationRequest: OCPPRequest {
    public typealias Response = StatusResponse<ConfigurationStatus>
    public static let action = OCPPAction.changeConfiguration
    public var key: String
    public var value: String

    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }

    public static let schema = OCPPSchema.object([.required("key", .string(50)), .required("value", .string(500))])
}

public struct ClearCacheRequest: OCPPRequest {
    public typealias Response = StatusResponse<AcceptedOrRejected>
    public static let action = OCPPAction.clearCache

    public init() {}

    public static let schema = OCPPSchema.object([])
}

public struct GetConfigurationRequest: OCPPRequest {
    public typealias Response = GetConfigurationResponse
    public static let action = OCPPAction.getConfiguration
    /// None: every key.
    public var key: [String]?

    public init(key: [String]? = nil) { self.key = key }

    public static let schema = OCPPSchema.object([.optional("key", .array(of: .string(50)))])
}

public struct GetConfigurationResponse: OCPPPayload {
    public var configurationKey: [ConfigurationKey]?
    public var unknownKey: [String]?

    public init(configurationKey: [ConfigurationKey]? = nil, unknownKey: [String]? = nil) {
        self.configurationKey = configurationKey
        self.unknownKey = unknownKey
    }

    public static let schema = OCPPSchema.object([
        .optional("configurationKey", .array(of: .object([
            .required("key", .string(50)), .required("readonly", .boolean), .optional("value", .string(500)),
        ]))),
        .optional("unknownKey", .array(of: .string(50))),
    ])
}

public struct RemoteStartTransactionRequest: OCPPRequest {
    public typealias Response = StatusResponse<AcceptedOrRejected>
    public static let action = OCPPAction.remoteStartTransaction
    public var connectorId: Int?
    public var idTag: String
    public var chargingProfile: ChargingProfile?

    public init(connectorId: Int? = nil, idTag: String, chargingProfile: ChargingProfile? = nil) {
        self.connectorId = connectorId
        self.idTag = idTag
        self.chargingProfile = chargingProfile
    }

    public static let schema = OCPPSchema.object([
        .optional("connectorId", .integer), .required("idTag", .string(20)), .optional("chargingProfile", ChargingProfile.schema),
    ])
}

public struct RemoteStopTransactionRequest: OCPPRequest {
    public typealias Response = StatusResponse<AcceptedOrRejected>
    public static let action = OCPPAction.remoteStopTransaction
    public var transactionId: Int

    public init(transactionId: Int) { self.transactionId = transactionId }

    public static let schema = OCPPSchema.object([.required("transactionId", .integer)])
}

public struct ReserveNowRequest: OCPPRequest {
    public typealias Response = StatusResponse<ReservationStatus>
    public static let action = OCPPAction.reserveNow
    public var connectorId: Int
    public var expiryDate: String
    public var idTag: String
    public var parentIdTag: String?
    public var reservationId: Int

    public init(connectorId: Int, expiryDate: String, idTag: String, parentIdTag: String? = nil, reservationId: Int) {
        self.connectorId = connectorId
        self.expiryDate = expiryDate
        self.idTag = idTag
        self.parentIdTag = parentIdTag
        self.reservationId = reservationId
    }

    public static let schema = OCPPSchema.object([
        .required("connectorId", .integer), .required("expiryDate", .dateTime), .required("idTag", .string(20)),
        .optional("parentIdTag", .string(20)), .required("reservationId", .integer),
    ])
}

public struct ResetRequest: OCPPRequest {
    public typealias Response = StatusResponse<AcceptedOrRejected>
    public static let action = OCPPAction.reset
    public var type: ResetType

    public init(type: ResetType) { self.type = type }

    public static let schema = OCPPSchema.object([.required("type", .enumeration(ResetType.self))])
}

public struct TriggerMessageRequest: OCPPRequest {
    public typealias Response = StatusResponse<TriggerMessageStatus>
    public static let action = OCPPAction.triggerMessage
    public var requestedMessage: MessageTrigger
    public var connectorId: Int?

    public init(requestedMessage: MessageTrigger, connectorId: Int? = nil) {
        self.requestedMessage = requestedMessage
        self.connectorId = connectorId
    }

    public static let schema = OCPPSchema.object([
        .required("requestedMessage", .enumeration(MessageTrigger.self)), .optional("connectorId", .integer),
    ])
}

public struct UnlockConnectorRequest: OCPPRequest {
    public typealias Response = StatusResponse<UnlockStatus>
    public static let action = OCPPAction.unlockConnector
    public var connectorId: Int

    public init(connectorId: Int) { self.connectorId = connectorId }

    public static let schema = OCPPSchema.object([.required("connectorId", .integer)])
}
