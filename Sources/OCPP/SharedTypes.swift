// The data types several OCPP 1.6 messages share (specification section 7).

/// `IdTagInfo`: what the central system says of a card.
public struct IdTagInfo: Codable, Sendable, Equatable {
    public var status: AuthorizationStatus
    public var expiryDate: String?
    public var parentIdTag: String?

    public init(status: AuthorizationStatus, expiryDate: String? = nil, parentIdTag: String? = nil) {
        self.status = status
        self.expiryDate = expiryDate
        self.parentIdTag = parentIdTag
    }

    public static let schema = OCPPSchema.object([
        .optional("expiryDate", .dateTime), .optional("parentIdTag", .string(20)),
        .required("status", .enumeration(AuthorizationStatus.self)),
    ])
}

/// `SampledValue`: one measured value of a meter value. The value is a string, as OCPP has it.
public struct SampledValue: Codable, Sendable, Equatable {
    public var value: String
    public var context: ReadingContext?
    public var format: ValueFormat?
    public var measurand: Measurand?
    public var phase: Phase?
    public var location: Location?
    public var unit: UnitOfMeasure?

    public init(value: String, context: ReadingContext? = nil, format: ValueFormat? = nil, measurand: Measurand? = nil,
                phase: Phase? = nil, location: Location? = nil, unit: UnitOfMeasure? = nil) {
        self.value = value
        self.context = context
        self.format = format
        self.measurand = measurand
        self.phase = phase
        self.location = location
        self.unit = unit
    }

    static func schema(units: [UnitOfMeasure]) -> OCPPSchema {
        .object([
            .required("value", .string(maxLength: nil)), .optional("context", .enumeration(ReadingContext.self)),
            .optional("format", .enumeration(ValueFormat.self)), .optional("measurand", .enumeration(Measurand.self)),
            .optional("phase", .enumeration(Phase.self)), .optional("location", .enumeration(Location.self)),
            .optional("unit", .enumeration(units.map(\.rawValue))),
        ])
    }
}

/// `MeterValue`: the sampled values of one moment.
public struct MeterValue: Codable, Sendable, Equatable {
    public var timestamp: String
    public var sampledValue: [SampledValue]

    public init(timestamp: String, sampledValue: [SampledValue]) {
        self.timestamp = timestamp
        self.sampledValue = sampledValue
    }

    static let schema = OCPPSchema.object([
        .required("timestamp", .dateTime), .required("sampledValue", .array(of: SampledValue.schema(units: UnitOfMeasure.allCases), minItems: 1)),
    ])

    /// StopTransaction's `transactionData` allows an empty list of values and one unit fewer.
    static let transactionDataSchema = OCPPSchema.object([
        .required("timestamp", .dateTime), .required("sampledValue", .array(of: SampledValue.schema(units: UnitOfMeasure.inTransactionData))),
    ])
}

/// `ChargingSchedulePeriod`.
public struct ChargingSchedulePeriod: Codable, Sendable, Equatable {
    public var startPeriod: Int
    public var limit: Double
    public var numberPhases: Int?

    public init(startPeriod: Int, limit: Double, numberPhases: Int? = nil) {
        self.startPeriod = startPeriod
        self.limit = limit
        self.numberPhases = numberPhases
    }
}

/// `ChargingSchedule`.
public struct ChargingSchedule: Codable, Sendable, Equatable {
    public var duration: Int?
    public var startSchedule: String?
    public var chargingRateUnit: ChargingRateUnit
    public var chargingSchedulePeriod: [ChargingSchedulePeriod]
    public var minChargingRate: Double?

    public init(duration: Int? = nil, startSchedule: String? = nil, chargingRateUnit: ChargingRateUnit,
                chargingSchedulePeriod: [ChargingSchedulePeriod], minChargingRate: Double? = nil) {
        self.duration = duration
        self.startSchedule = startSchedule
        self.chargingRateUnit = chargingRateUnit
        self.chargingSchedulePeriod = chargingSchedulePeriod
        self.minChargingRate = minChargingRate
    }
}

/// `ChargingProfile`, as RemoteStartTransaction may carry it.
public struct ChargingProfile: Codable, Sendable, Equatable {
    public var chargingProfileId: Int
    public var transactionId: Int?
    public var stackLevel: Int
    public var chargingProfilePurpose: ChargingProfilePurpose
    public var chargingProfileKind: ChargingProfileKind
    public var recurrencyKind: RecurrencyKind?
    public var validFrom: String?
    public var validTo: String?
    public var chargingSchedule: ChargingSchedule

    public init(chargingProfileId: Int, transactionId: Int? = nil, stackLevel: Int, chargingProfilePurpose: ChargingProfilePurpose,
                chargingProfileKind: ChargingProfileKind, recurrencyKind: RecurrencyKind? = nil, validFrom: String? = nil,
                validTo: String? = nil, chargingSchedule: ChargingSchedule) {
        self.chargingProfileId = chargingProfileId
        self.transactionId = transactionId
        self.stackLevel = stackLevel
        self.chargingProfilePurpose = chargingProfilePurpose
        self.chargingProfileKind = chargingProfileKind
        self.recurrencyKind = recurrencyKind
        self.validFrom = validFrom
        self.validTo = validTo
        self.chargingSchedule = chargingSchedule
    }

    static let schema = OCPPSchema.object([
        .required("chargingProfileId", .integer), .optional("transactionId", .integer), .required("stackLevel", .integer),
        .required("chargingProfilePurpose", .enumeration(ChargingProfilePurpose.self)),
        .required("chargingProfileKind", .enumeration(ChargingProfileKind.self)),
        .optional("recurrencyKind", .enumeration(RecurrencyKind.self)), .optional("validFrom", .dateTime), .optional("validTo", .dateTime),
        .required("chargingSchedule", .object([
            .optional("duration", .integer), .optional("startSchedule", .dateTime),
            .required("chargingRateUnit", .enumeration(ChargingRateUnit.self)),
            .required("chargingSchedulePeriod", .array(of: .object([
                .required("startPeriod", .integer), .required("limit", .decimal(multipleOf: 0.1)), .optional("numberPhases", .integer),
            ]))),
            .optional("minChargingRate", .decimal(multipleOf: 0.1)),
        ])),
    ])
}

/// `KeyValue`: one configuration key as GetConfiguration answers it.
public struct ConfigurationKey: Codable, Sendable, Equatable {
    public var key: String
    public var readonly: Bool
    public var value: String?

    public init(key: String, readonly: Bool, value: String?) {
        self.key = key
        self.readonly = readonly
        self.value = value
    }
}
