import Foundation
import NIOSSL

/// How simulated chargers connect to a CSMS as OCPP 1.6J charge points (`--ocpp-csms-url`).
struct OCPPChargePointOptions: Sendable {
    static let subprotocol = "ocpp1.6"
    static let maximumMessageSize = 1 << 20

    /// `ws://` or `wss://`; each charger connects at `URL/CHARGER_ID`.
    var csmsURL: String
    /// The chargers that connect; nil: every one of the fleet.
    var chargers: Set<String>?
    /// Security profile 1: HTTP Basic auth with the charger id as user and this password.
    var password: String?
    /// Extra trusted certificates for `wss://` (a test CA), PEM.
    var caFile: String?
    var vendor = "EVChargingStack"
    var model = "charger-sim"
    var firmwareVersion = "1.0"
    /// HeartbeatInterval until the boot's answer says otherwise, in seconds.
    var heartbeatInterval = 300
    /// MeterValueSampleInterval at start, simulated seconds.
    var meterValueSampleInterval = 60
    /// When the boot's answer gives no interval, or the CSMS does not answer it.
    var bootRetryInterval: Duration = .seconds(30)
    var reconnectMinimum: Duration = .seconds(1)
    var reconnectMaximum: Duration = .seconds(60)
    var callTimeout: Duration = .seconds(30)

    init(csmsURL: String) { self.csmsURL = csmsURL }

    func url(for chargerID: String) -> String {
        let base = csmsURL.hasSuffix("/") ? String(csmsURL.dropLast()) : csmsURL
        let id = chargerID.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? chargerID
        return "\(base)/\(id)"
    }

    /// nil for `ws://`; for `wss://`, the system's roots plus `caFile`.
    var tls: TLSConfiguration? {
        guard csmsURL.lowercased().hasPrefix("wss://") else { return nil }
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caFile {
            configuration.additionalTrustRoots = [.file(caFile)]
        }
        return configuration
    }

    func validated() throws -> Self {
        let lower = csmsURL.lowercased()
        guard lower.hasPrefix("ws://") || lower.hasPrefix("wss://"), URL(string: csmsURL)?.host != nil else {
            throw OCPPOptionsError("OCPP_CSMS_URL must be a ws:// or wss:// URL: \(csmsURL)")
        }
        if lower.hasPrefix("wss://"), let host = URL(string: csmsURL)?.host,
           host.contains(":") || host.split(separator: ".").allSatisfy({ Int($0) != nil }) {
            // TLS names the server it expects in SNI, which takes no IP address.
            throw OCPPOptionsError("a wss:// OCPP_CSMS_URL needs a host name, not an IP address: \(host)")
        }
        if let password, password.utf8.count < 16 || password.utf8.count > 40 {
            // OCPP 1.6 security whitepaper: AuthorizationKey is 16 to 40 bytes.
            throw OCPPOptionsError("OCPP_PASSWORD must be 16 to 40 characters (the OCPP AuthorizationKey)")
        }
        return self
    }
}

struct OCPPOptionsError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
