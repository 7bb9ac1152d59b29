import Foundation

/// The whole stack on this machine: mock-redis, mock-backend, charger-sim and gateway as
/// child processes, each started once the one before it is healthy, stopped in reverse order.
public actor LocalStack {
    public nonisolated let configuration: StackConfiguration
    public nonisolated let supervisor: StackSupervisor
    public private(set) var urls = StackURLs()
    private let scratch: URL

    public init(configuration: StackConfiguration, log: StackLog) {
        self.configuration = configuration
        supervisor = StackSupervisor(binDirectory: configuration.binDirectory, log: log)
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ev-stack-\(UUID().uuidString.prefix(8))")
    }

    /// Starts every program; returns where they listen. On a failure, what has started is
    /// left for `stop()`.
    public func start() async throws -> StackURLs {
        let configuration = self.configuration
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        var environment = configuration.secrets
        if let level = configuration.logLevel { environment["LOG_LEVEL"] = level }
        let host = configuration.host
        if let redisURL = configuration.redisURL {
            urls.redis = redisURL
        } else if let redisServer = configuration.redisServer {
            let port = configuration.redisPort == 0 ? try FreePort.find(host: host) : configuration.redisPort
            _ = try await supervisor.launch(
                "redis-server", ["--bind", host, "--port", String(port), "--save", "", "--appendonly", "no"],
                environment: [:], executable: URL(fileURLWithPath: redisServer), knownPort: port)
            urls.redis = "redis://\(host):\(port)"
            try await StackHealth.redis(urls.redis)
        } else {
            let port = try await supervisor.launch(
                "mock-redis", ["--host", host, "--port", String(configuration.redisPort)], environment: environment)
            urls.redis = "redis://\(host):\(port)"
            try await StackHealth.redis(urls.redis)
        }
        if let backendURL = configuration.backendURL {
            urls.backend = backendURL
        } else {
            let database = configuration.database ?? scratch.appendingPathComponent("mock-backend.sqlite").path
            let backendPort = try await supervisor.launch(
                "mock-backend",
                ["--host", host, "--port", String(configuration.backendPort), "--redis-url", urls.redis, "--database", database],
                environment: environment)
            urls.backend = "http://\(host):\(backendPort)"
            try await StackHealth.http(urls.backend + "/health")
            let cmsPort = try await supervisor.launch(
                "charger-sim",
                ["--host", host, "--port", String(configuration.cmsPort), "--backend-url", urls.backend,
                 "--meter-interval", String(configuration.meterInterval), "--speed", String(configuration.speed),
                 "--seed", String(configuration.seed)]
                    + (configuration.walkIns ? ["--auto"] : []) + (configuration.clockPaused ? ["--paused"] : []),
                environment: environment)
            urls.cms = "http://\(host):\(cmsPort)"
            try await StackHealth.http(urls.cms! + "/health")
        }
        let gatewayPort = try await supervisor.launch(
            "gateway",
            ["--host", host, "--port", String(configuration.gatewayPort), "--redis-url", urls.redis, "--backend-url", urls.backend,
             // The stack's gateway keeps hop records: `client trace` and the scenarios' timelines read them.
             "--trace-records", "10000"],
            environment: environment)
        urls.gateway = "ws://\(host):\(gatewayPort)"
        try await StackHealth.http(urls.gatewayHTTP + "/health")
        if configuration.backendURL == nil, let cms = urls.cms {
            // mock-backend finds charger-sim by its announcement (the CMS hop, see the README).
            try await StackHealth.cmsAnnounced(backend: urls.backend, cms: cms)
        }
        return urls
    }

    /// The program that plays a role: `mock-redis` is `redis-server` when the stack runs that.
    public func programName(_ role: String) async -> String {
        let running = await supervisor.programs
        if role == "mock-redis", !running.contains(role), running.contains("redis-server") { return "redis-server" }
        return role
    }

    /// Returns once the program answers its health check again (after a restart).
    public func waitUntilHealthy(_ name: String) async throws {
        switch name {
        case "mock-redis", "redis-server": try await StackHealth.redis(urls.redis)
        case "mock-backend": try await StackHealth.http(urls.backend + "/health")
        case "charger-sim": if let cms = urls.cms { try await StackHealth.http(cms + "/health") }
        case "gateway": try await StackHealth.http(urls.gatewayHTTP + "/health")
        default: break
        }
    }

    /// Stops every program and removes the scratch folder.
    public func stop() async {
        await supervisor.stopAll()
        try? FileManager.default.removeItem(at: scratch)
    }
}
