import Foundation
import LocalStack

/// What the console serves and in front of which stack: the browser talks WebSocket straight
/// to the gateway (as an app does) and HTTP to the backend and charger-sim through the console,
/// which adds charger-sim's secret (the page never holds it) and turns an unreachable program
/// into a clear message.
public struct ConsoleConfiguration: Sendable {
    public var host = "127.0.0.1"
    /// 0: any free port (the bound one is reported when the server runs).
    public var port = 8090
    /// The gateway's WebSocket URL, as the browser opens it (`ws://HOST:PORT`).
    public var gatewayURL: String
    /// mock-backend or a real Laravel; nil when there is none to show.
    public var backendURL: String?
    /// charger-sim; nil when the stack runs without it.
    public var simURL: String?
    /// charger-sim's bearer secret (CMS_SECRET).
    public var cmsSecret: String?
    /// Where the page's files are; nil: this target's resources.
    public var staticFolder: String?
    /// How long a proxied call may take before the page is told the program does not answer.
    public var upstreamTimeout: Duration = .seconds(5)

    public init(gatewayURL: String, backendURL: String? = nil, simURL: String? = nil, cmsSecret: String? = nil) {
        self.gatewayURL = gatewayURL
        self.backendURL = backendURL
        self.simURL = simURL
        self.cmsSecret = cmsSecret
    }

    /// The gateway's HTTP side (`/health`, `/metrics`, `/debug/traces/ID`).
    var gatewayHTTP: String { StackURLs(gateway: gatewayURL).gatewayHTTP }

    /// The page's files shipped with this target.
    public static var bundledStaticFolder: String {
        Bundle.module.bundleURL.appendingPathComponent("Static").path
    }
}
