import ArgumentParser
import Logging
import ServiceLifecycle
import ServiceRuntime

@main
struct MockRedisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-redis",
        abstract: "A Redis stand-in: RESP pub/sub server for the EV charging stack.")

    @Option(help: "Address to bind (env HOST, default 0.0.0.0).") var host: String?
    @Option(help: "Port to bind, 0 for any free one (env PORT, default 6379).") var port: Int?

    func run() async throws {
        LoggingSetup.bootstrap()
        let env = EnvironmentFallback()
        let configuration = MockRedisConfiguration(
            host: env.string(host, "HOST", default: "0.0.0.0"),
            port: try env.int(port, "PORT", default: 6379))
        let logger = Logger(label: "mock-redis")
        let server = MockRedisServer(configuration: configuration, logger: logger)
        let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
