import Messages
import OCPP
import Testing

@Suite("OCPP-J frames")
struct OCPPMessageTests {
    @Test func readsTheThreeKindsOfMessage() throws {
        #expect(try OCPPMessage.parse(#"[2,"19223201","BootNotification",{"chargePointVendor":"VendorX","chargePointModel":"SingleSocketCharger"}]"#)
            == .call(id: "19223201", action: "BootNotification", payload: ["chargePointVendor": "VendorX", "chargePointModel": "SingleSocketCharger"]))
        #expect(try OCPPMessage.parse(#"[3,"19223201",{"status":"Accepted","currentTime":"2013-02-01T20:53:32.486Z","interval":300}]"#)
            == .callResult(id: "19223201", payload: ["status": "Accepted", "currentTime": "2013-02-01T20:53:32.486Z", "interval": 300]))
        #expect(try OCPPMessage.parse(#"[4,"162376037","NotSupported","SetDisplayMessageRequest not implemented",{}]"#)
            == .callError(id: "162376037", error: OCPPError(.notSupported, "SetDisplayMessageRequest not implemented")))
    }

    @Test func writesWhatItReads() throws {
        let messages: [OCPPMessage] = [
            .call(id: "a-1", action: "Heartbeat", payload: [:]),
            .callResult(id: "a-1", payload: ["currentTime": "2026-12-06T10:00:00Z"]),
            .callError(id: "x", error: OCPPError(.formationViolation, "bad", details: ["cause": "test"])),
        ]
        for message in messages { #expect(try OCPPMessage.parse(message.text) == message) }
        #expect(OCPPMessage.call(id: "7", action: "Heartbeat", payload: [:]).text == #"[2,"7","Heartbeat",{}]"#)
    }

    @Test(arguments: [
        ("not json", "-1", OCPPErrorCode.formationViolation),
        (#"{"a":1}"#, "-1", .formationViolation),
        ("[]", "-1", .formationViolation),
        (#"["2","id","Heartbeat",{}]"#, "-1", .formationViolation),
        (#"[2,17,"Heartbeat",{}]"#, "-1", .formationViolation),
        (#"[2,"","Heartbeat",{}]"#, "-1", .formationViolation),
        (#"[2,"0123456789012345678901234567890123456","Heartbeat",{}]"#, "-1", .formationViolation),
        (#"[2,"id","Heartbeat"]"#, "id", .formationViolation),
        (#"[2,"id","Heartbeat",[]]"#, "id", .formationViolation),
        (#"[2,"id",5,{}]"#, "id", .formationViolation),
        (#"[9,"id","Heartbeat",{}]"#, "id", .propertyConstraintViolation),
    ])
    func answersAMalformedCallWithTheCodeTheSpecificationNames(text: String, id: String, code: OCPPErrorCode) {
        #expect {
            try OCPPMessage.parse(text)
        } throws: { error in
            guard let malformed = error as? OCPPMessage.Malformed, case .callError(let replyID, let replyError)? = malformed.reply else { return false }
            return replyID == id && replyError.code == code
        }
    }

    @Test(arguments: [#"[3,"id"]"#, #"[3,"id",[1]]"#, #"[4,"id","GenericError"]"#, #"[4,"id",1,"x",{}]"#])
    func aBrokenAnswerIsNotAnswered(text: String) {
        #expect {
            try OCPPMessage.parse(text)
        } throws: { error in
            (error as? OCPPMessage.Malformed).map { $0.reply == nil && $0.error.code == .formationViolation } ?? false
        }
    }

    @Test func anUnknownErrorCodeIsKeptAsGenericWithItsName() throws {
        guard case .callError(_, let error) = try OCPPMessage.parse(#"[4,"id","FormatViolation","bad",{}]"#) else {
            Issue.record("not a CALLERROR")
            return
        }
        #expect(error.code == .genericError)
        #expect(error.errorDescription == "FormatViolation: bad")
    }
}
