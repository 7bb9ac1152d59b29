import Messages
import OCPP
import Testing

@Suite("OCPP 1.6 schemas")
struct OCPPSchemaTests {
    func violation<Request: OCPPRequest>(_: Request.Type, _ json: String) throws -> OCPPError? {
        Request.schema.violation(of: try JSONReader.parse(json))
    }

    @Test func theSpecificationsExamplesConform() throws {
        #expect(try violation(BootNotificationRequest.self, #"{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger"}"#) == nil)
        #expect(try violation(MeterValuesRequest.self, #"""
            {"connectorId":1,"transactionId":42,"meterValue":[{"timestamp":"2026-12-06T10:00:00.123+01:00","sampledValue":[
              {"value":"1234","measurand":"Energy.Active.Import.Register","unit":"Wh","context":"Sample.Periodic"},
              {"value":"16.1","measurand":"Current.Import","phase":"L1","unit":"A"}]}]}
            """#) == nil)
        #expect(try violation(StopTransactionRequest.self, #"{"meterStop":2000,"timestamp":"2026-12-06T10:00:00Z","transactionId":42,"reason":"Remote","transactionData":[{"timestamp":"2026-12-06T10:00:00Z","sampledValue":[]}]}"#) == nil)
        #expect(try violation(RemoteStartTransactionRequest.self, #"{"idTag":"RFID123","connectorId":1,"chargingProfile":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16.1}]}}}"#) == nil)
    }

    @Test(arguments: [
        (#"{"chargePointVendor":"VendorX"}"#, OCPPErrorCode.occurrenceConstraintViolation, "chargePointModel is required"),
        (#"{"chargePointVendor":"VendorX","chargePointModel":"M","colour":"red"}"#, .formationViolation, "colour is not a field"),
        (#"{"chargePointVendor":7,"chargePointModel":"M"}"#, .typeConstraintViolation, "chargePointVendor: must be a string"),
        (#"{"chargePointVendor":"VendorXVendorXVendorX","chargePointModel":"M"}"#, .typeConstraintViolation, "more than its 20"),
        (#"[1]"#, .typeConstraintViolation, "must be an object"),
    ])
    func aBootNotificationBreaksItsSchema(json: String, code: OCPPErrorCode, reason: String) throws {
        let error = try #require(try violation(BootNotificationRequest.self, json))
        #expect(error.code == code)
        #expect(error.errorDescription.contains(reason), "\(error.errorDescription)")
    }

    @Test func deepFieldsAreNamedByTheirPath() throws {
        let unit = try #require(try violation(MeterValuesRequest.self, #"{"connectorId":1,"meterValue":[{"timestamp":"2026-12-06T10:00:00Z","sampledValue":[{"value":"1"},{"value":"2","unit":"kWatt"}]}]}"#))
        #expect(unit.code == .propertyConstraintViolation)
        #expect(unit.errorDescription.hasPrefix("meterValue[0].sampledValue[1].unit: \"kWatt\" is not one of"))
        let empty = try #require(try violation(MeterValuesRequest.self, #"{"connectorId":1,"meterValue":[]}"#))
        #expect(empty.code == .occurrenceConstraintViolation)
        let time = try #require(try violation(StartTransactionRequest.self, #"{"connectorId":1,"idTag":"A","meterStart":0,"timestamp":"yesterday"}"#))
        #expect(time.code == .propertyConstraintViolation)
        let fraction = try #require(try violation(StartTransactionRequest.self, #"{"connectorId":1.5,"idTag":"A","meterStart":0,"timestamp":"2026-12-06T10:00:00Z"}"#))
        #expect(fraction.code == .typeConstraintViolation)
        let limit = try #require(try violation(RemoteStartTransactionRequest.self, #"{"idTag":"A","chargingProfile":{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxProfile","chargingProfileKind":"Absolute","chargingSchedule":{"chargingRateUnit":"A","chargingSchedulePeriod":[{"startPeriod":0,"limit":16.15}]}}}"#))
        #expect(limit.code == .propertyConstraintViolation)
        #expect(limit.errorDescription.hasPrefix("chargingProfile.chargingSchedule.chargingSchedulePeriod[0].limit"))
    }

    @Test(arguments: [
        ("2026-12-06T10:00:00Z", true), ("2026-12-06T10:00:00.5Z", true), ("2026-12-06T10:00:00+05:30", true),
        ("2026-12-06t10:00:00z", true), ("2026-12-06 10:00:00Z", false), ("2026-13-06T10:00:00Z", false),
        ("2026-12-06T10:00Z", false), ("2026-12-06T10:00:00", false), ("2026-12-06T10:00:00.Z", false), ("2026-12-06T10:00:00Z ", false),
    ])
    func dateTimesAreRFC3339(text: String, valid: Bool) {
        #expect((OCPPSchema.dateTime.violation(of: .string(text)) == nil) == valid)
    }

    /// Every message type written by this side meets its own schema and reads back the same.
    @Test func everyTypeRoundTripsThroughItsSchema() throws {
        let time = "2026-12-06T10:00:00Z"
        let meter = MeterValue(timestamp: time, sampledValue: [
            SampledValue(value: "1500", context: .samplePeriodic, measurand: .energyActiveImportRegister, unit: .wh),
            SampledValue(value: "16.0", measurand: .currentImport, phase: .l1, unit: .a),
        ])
        try roundTrip(AuthorizeRequest(idTag: "RFID123"))
        try roundTrip(AuthorizeResponse(idTagInfo: IdTagInfo(status: .accepted, expiryDate: time)))
        try roundTrip(BootNotificationRequest(chargePointVendor: "EV Stack", chargePointModel: "charger-sim", firmwareVersion: "1.0"))
        try roundTrip(BootNotificationResponse(status: .pending, currentTime: time, interval: 10))
        try roundTrip(DataTransferRequest(vendorId: "ev-stack", messageId: "ping", data: "{}"))
        try roundTrip(DataTransferResponse(status: .unknownVendorId))
        try roundTrip(HeartbeatRequest())
        try roundTrip(HeartbeatResponse(currentTime: time))
        try roundTrip(MeterValuesRequest(connectorId: 1, transactionId: 9, meterValue: [meter]))
        try roundTrip(StartTransactionRequest(connectorId: 1, idTag: "RFID123", meterStart: 1000, timestamp: time))
        try roundTrip(StartTransactionResponse(idTagInfo: IdTagInfo(status: .accepted), transactionId: 9))
        try roundTrip(StatusNotificationRequest(connectorId: 1, errorCode: .groundFailure, status: .faulted, timestamp: time))
        try roundTrip(StopTransactionRequest(idTag: "RFID123", meterStop: 2500, timestamp: time, transactionId: 9, reason: .remote, transactionData: [meter]))
        try roundTrip(StopTransactionResponse(idTagInfo: IdTagInfo(status: .accepted)))
        try roundTrip(CancelReservationRequest(reservationId: 3))
        try roundTrip(ChangeAvailabilityRequest(connectorId: 0, type: .inoperative))
        try roundTrip(StatusResponse<AvailabilityStatus>(status: .scheduled))
        try roundTrip(ChangeConfigurationRequest(key: "HeartbeatInterval", value: "60"))
        try roundTrip(ClearCacheRequest())
        try roundTrip(GetConfigurationRequest(key: ["HeartbeatInterval"]))
        try roundTrip(GetConfigurationResponse(configurationKey: [ConfigurationKey(key: "HeartbeatInterval", readonly: false, value: "60")], unknownKey: ["Nope"]))
        try roundTrip(RemoteStartTransactionRequest(connectorId: 1, idTag: "RFID123"))
        try roundTrip(RemoteStopTransactionRequest(transactionId: 9))
        try roundTrip(ReserveNowRequest(connectorId: 1, expiryDate: time, idTag: "RFID123", reservationId: 4))
        try roundTrip(ResetRequest(type: .soft))
        try roundTrip(TriggerMessageRequest(requestedMessage: .statusNotification, connectorId: 1))
        try roundTrip(UnlockConnectorRequest(connectorId: 1))
        try roundTrip(StatusResponse<UnlockStatus>(status: .unlocked))
        #expect(throws: OCPPError.self) { try AuthorizeRequest(idTag: String(repeating: "x", count: 21)).validatedJSON() }
    }

    func roundTrip<Payload: OCPPPayload>(_ payload: Payload) throws {
        let json = try payload.validatedJSON()
        #expect(try Payload(validating: JSONReader.parse(JSONWriter.bytes(json))) == payload)
    }

    @Test func everyActionWithTypesHasBothSchemas() {
        let typed = OCPPAction.allCases.filter { $0.schemas != nil }.map(\.rawValue)
        #expect(typed.count == 19, "\(typed)")
        #expect(OCPPAction.updateFirmware.schemas == nil)
    }
}
