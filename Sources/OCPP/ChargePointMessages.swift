// The OCPP 1.6 core profile's messages that a charge point sends, each with its answer.

public struct AuthorizeRequest: OCPPRequest {
    public typealias Response = AuthorizeResponse
    public static let action = OCPPAction.authorize
    public var idTag: String

    public init(idTag: String) { self.idTag = idTag }

    public static let schema = OCPPSchema.object([.required("idTag", .string(20))])
}

public struct AuthorizeResponse: OCPPPayload {
    public var idTagInfo: IdTagInfo

    public init(idTagInfo: IdTagInfo) { self.idTagInfo = idTagInfo }

    public static let schema = OCPPSchema.object([.required("idTagInfo", IdTagInfo.schema)])
}

public struct BootNotificationRequest: OCPPRequest {
    public typealias Response = BootNotificationResponse
    public static let action = OCPPAction.bootNotification
    public var chargePointVendor: String
    public var chargePointModel: String
    public var chargePointSerialNumber: String?
    public var chargeBoxSerialNumber: String?
    public var firmwareVersion: String?
    public var iccid: String?
    public var imsi: String?
    public var meterType: String?
    public var meterSerialNumber: String?

    public init(chargePointVendor: String, chargePointModel: String, chargePointSerialNumber: String? = nil,
                chargeBoxSerialNumber: String? = nil, firmwareVersion: String? = nil, iccid: String? = nil, imsi: String? = nil,
                meterType: String? = nil, meterSerialNumber: String? = nil) {
        self.chargePointVendor = chargePointVendor
        self.chargePointModel = chargePointModel
        self.chargePointSerialNumber = chargePointSerialNumber
        self.chargeBoxSerialNumber = chargeBoxSerialNumber
        self.firmwareVersion = firmwareVersion
        self.iccid = iccid
        self.imsi = imsi
        self.meterType = meterType
        self.meterSerialNumber = meterSerialNumber
    }

    public static let schema = OCPPSchema.object([
        .required("chargePointVendor", .string(20)), .required("chargePointModel", .string(20)),
        .optional("chargePointSerialNumber", .string(25)), .optional("chargeBoxSerialNumber", .string(25)),
        .optional("firmwareVersion", .string(50)), .optional("iccid", .string(20)), .optional("imsi", .string(20)),
        .optional("meterType", .string(25)), .optional("meterSerialNumber", .string(25)),
    ])
}

public struct BootNotificationResponse: OCPPPayload {
    public var status: RegistrationStatus
    public var currentTime: String
    /// Seconds: the heartbeat interval once accepted, the wait before another boot otherwise.
    public var interval: Int

    public init(status: RegistrationStatus, currentTime: String, interval: Int) {
        self.status = status
        self.currentTime = currentTime
        self.interval = interval
    }

    public static let schema = OCPPSchema.object([
        .required("status", .enumeration(RegistrationStatus.self)), .required("currentTime", .dateTime), .required("interval", .integer),
    ])
}

/// DataTransfer, which either side may send.
public struct DataTransferRequest: OCPPRequest {
    public typealias Response = DataTransferResponse
    public static let action = OCPPAction.dataTransfer
    public var vendorId: String
    public var messageId: String?
    public var data: String?

    public init(vendorId: String, messageId: String? = nil, data: String? = nil) {
        self.vendorId = vendorId
        self.messageId = messageId
        self.data = data
    }

    public static let schema = OCPPSchema.object([
        .required("vendorId", .string(255)), .optional("messageId", .string(50)), .optional("data", .string(maxLength: nil)),
    ])
}

public struct DataTransferResponse: OCPPPayload {
    public var status: DataTransferStatus
    public var data: String?

    public init(status: DataTransferStatus, data: String? = nil) {
        self.status = status
        self.data = data
    }

    public static let schema = OCPPSchema.object([
        .required("status", .enumeration(DataTransferStatus.self)), .optional("data", .string(maxLength: nil)),
    ])
}

public struct HeartbeatRequest: OCPPRequest {
    public typealias Response = HeartbeatResponse
    public static let action = OCPPAction.heartbeat

    public init() {}

    public static let schema = OCPPSchema.object([])
}

public struct HeartbeatResponse: OCPPPayload {
    public var currentTime: String

    public init(currentTime: String) { self.currentTime = currentTime }

    public static let schema = OCPPSchema.object([.required("currentTime", .dateTime)])
}

public struct MeterValuesRequest: OCPPRequest {
    public typealias Response = EmptyPayload
    public static let action = OCPPAction.meterValues
    public var connectorId: Int
    public var transactionId: Int?
    public var meterValue: [MeterValue]

    public init(connectorId: Int, transactionId: Int? = nil, meterValue: [MeterValue]) {
        self.connectorId = connectorId
        self.transactionId = transactionId
        self.meterValue = meterValue
    }

    public static let schema = OCPPSchema.object([
        .required("connectorId", .integer), .optional("transactionId", .integer),
        .required("meterValue", .array(of: MeterValue.schema, minItems: 1)),
    ])
}

public struct StartTransactionRequest: OCPPRequest {
    public typealias Response = StartTransactionResponse
    public static let action = OCPPAction.startTransaction
    public var connectorId: Int
    public var idTag: String
    /// Wh on the connector's register at the start.
    public var meterStart: Int
    public var reservationId: Int?
    public var timestamp: String

    public init(connectorId: Int, idTag: String, meterStart: Int, reservationId: Int? = nil, timestamp: String) {
        self.connectorId = connectorId
        self.idTag = idTag
        self.meterStart = meterStart
        self.reservationId = reservationId
        self.timestamp = timestamp
    }

    public static let schema = OCPPSchema.object([
        .required("connectorId", .integer), .required("idTag", .string(20)), .required("meterStart", .integer),
        .optional("reservationId", .integer), .required("timestamp", .dateTime),
    ])
}

public struct StartTransactionResponse: OCPPPayload {
    public var idTagInfo: IdTagInfo
    public var transactionId: Int

    public init(idTagInfo: IdTagInfo, transactionId: Int) {
        self.idTagInfo = idTagInfo
        self.transactionId = transactionId
    }

    public static let schema = OCPPSchema.object([.required("idTagInfo", IdTagInfo.schema), .required("transactionId", .integer)])
}

public struct StatusNotificationRequest: OCPPRequest {
    public typealias Response = EmptyPayload
    public static let action = OCPPAction.statusNotification
    public var connectorId: Int
    public var errorCode: ChargePointErrorCode
    public var info: String?
    public var status: ChargePointStatus
    public var timestamp: String?
    public var vendorId: String?
    public var vendorErrorCode: String?

    public init(connectorId: Int, errorCode: ChargePointErrorCode, info: String? = nil, status: ChargePointStatus,
                timestamp: String? = nil, vendorId: String? = nil, vendorErrorCode: String? = nil) {
        self.connectorId = connectorId
        self.errorCode = errorCode
        self.info = info
        self.status = status
        self.timestamp = timestamp
        self.vendorId = vendorId
        self.vendorErrorCode = vendorErrorCode
    }

    public static let schema = OCPPSchema.object([
        .required("connectorId", .integer), .required("errorCode", .enumeration(ChargePointErrorCode.self)),
        .optional("info", .string(50)), .required("status", .enumeration(ChargePointStatus.self)), .optional("timestamp", .dateTime),
        .optional("vendorId", .string(255)), .optional("vendorErrorCode", .string(50)),
    ])
}

public struct StopTransactionRequest: OCPPRequest {
    public typealias Response = StopTransactionResponse
    public static let action = OCPPAction.stopTransaction
    public var idTag: String?
    public var meterStop: Int
    public var timestamp: String
    public var transactionId: Int
    public var reason: StopTransactionReason?
    public var transactionData: [MeterValue]?

    public init(idTag: String? = nil, meterStop: Int, timestamp: String, transactionId: Int, reason: StopTransactionReason? = nil,
                transactionData: [MeterValue]? = nil) {
        self.idTag = idTag
        self.meterStop = meterStop
        self.timestamp = timestamp
        self.transactionId = transactionId
        self.reason = reason
        self.transactionData = transactionData
    }

    public static let schema = OCPPSchema.object([
        .optional("idTag", .string(20)), .required("meterStop", .integer), .required("timestamp", .dateTime),
        .required("transactionId", .integer), .optional("reason", .enumeration(StopTransactionReason.self)),
        .optional("transactionData", .array(of: MeterValue.transactionDataSchema)),
    ])
}

public struct StopTransactionResponse: OCPPPayload {
    public var idTagInfo: IdTagInfo?

    public init(idTagInfo: IdTagInfo? = nil) { self.idTagInfo = idTagInfo }

    public static let schema = OCPPSchema.object([.optional("idTagInfo", IdTagInfo.schema)])
}
