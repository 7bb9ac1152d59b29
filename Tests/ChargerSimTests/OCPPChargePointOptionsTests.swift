import Testing

@testable import ChargerSim

/// What `--ocpp-csms-url` and its companions refuse at start, and the words they use.
@Suite("OCPP charge point options")
struct OCPPChargePointOptionsTests {
    private func refusal(_ url: String, password: String? = nil) -> String? {
        var options = OCPPChargePointOptions(csmsURL: url)
        options.password = password
        do {
            _ = try options.validated()
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func badURLsAndPasswordsAreRefusedWithTheReason() {
        #expect(refusal("http://127.0.0.1:9/ocpp") == "OCPP_CSMS_URL must be a ws:// or wss:// URL: http://127.0.0.1:9/ocpp")
        #expect(refusal("ws://") == "OCPP_CSMS_URL must be a ws:// or wss:// URL: ws://")
        #expect(refusal("wss://127.0.0.1:9/ocpp") == "a wss:// OCPP_CSMS_URL needs a host name, not an IP address: 127.0.0.1")
        #expect(refusal("ws://127.0.0.1:9/ocpp", password: "short") == "OCPP_PASSWORD must be 16 to 40 characters (the OCPP AuthorizationKey)")
        #expect(refusal("ws://127.0.0.1:9/ocpp", password: String(repeating: "p", count: 41)) != nil)
        #expect(refusal("ws://127.0.0.1:9/ocpp", password: String(repeating: "p", count: 16)) == nil)
        #expect(refusal("wss://csms.example/ocpp") == nil)
    }

    @Test func eachChargerConnectsAtTheURLFollowedByItsID() {
        #expect(OCPPChargePointOptions(csmsURL: "ws://h:1/ocpp/").url(for: "CP 1") == "ws://h:1/ocpp/CP%201")
        #expect(OCPPChargePointOptions(csmsURL: "ws://h:1/ocpp").url(for: "CP001") == "ws://h:1/ocpp/CP001")
    }
}
