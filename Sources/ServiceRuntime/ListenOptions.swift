import ArgumentParser

/// `--host` and `--port`, which every server takes (env `HOST`, `PORT`).
public struct ListenOptions: ParsableArguments {
    @Option(help: "Address to bind (env HOST, default 0.0.0.0).") public var host: String?
    @Option(help: "Port to bind; 0 takes any free one and logs it (env PORT).") public var port: Int?

    public init() {}

    /// Flag, then environment, then the defaults.
    public func resolve(defaultPort: Int, env: EnvironmentFallback = EnvironmentFallback()) throws -> (host: String, port: Int) {
        let port = try env.int(port, "PORT", default: defaultPort)
        guard (0...65_535).contains(port) else { throw ValidationError("PORT must be 0...65535, got \(port)") }
        return (env.string(host, "HOST", default: "0.0.0.0"), port)
    }
}
