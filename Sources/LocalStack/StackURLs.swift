/// Where the stack listens.
public struct StackURLs: Sendable, Equatable {
    public var redis = ""
    public var backend = ""
    /// charger-sim; nil when the stack runs against an external backend.
    public var cms: String?
    /// The gateway's WebSocket URL (`ws://HOST:PORT`).
    public var gateway = ""
    /// The browser console's page, when one is served.
    public var console: String?

    public init(redis: String = "", backend: String = "", cms: String? = nil, gateway: String = "") {
        self.redis = redis
        self.backend = backend
        self.cms = cms
        self.gateway = gateway
    }

    /// The gateway's HTTP side (`/health`, `/metrics`).
    public var gatewayHTTP: String {
        gateway.replacingOccurrences(of: "wss://", with: "https://").replacingOccurrences(of: "ws://", with: "http://")
    }

    public func banner(secret: String) -> String {
        """

        stack up:
          gateway      \(gateway)/?token=JWT   (health: \(gatewayHTTP)/health)
          backend      \(backend)
          charger-sim  \(cms ?? "(not started: external backend)")
          redis        \(redis)
        \(console.map { "  console      \($0)   (virtual phones, the fleet, every hop)\n" } ?? "")        try it:
          JWT_SECRET=\(secret) client connect --gateway-url \(gateway) --user 123
          client trace TRACE_ID   (the timeline of an action across the hops; client send prints its trace)
        Ctrl-C stops everything.

        """
    }
}
