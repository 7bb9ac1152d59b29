import ArgumentParser
import Logging
import ServiceLifecycle
import ServiceRuntime

@main
struct MockRedisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-redis",
        abstract: "A Redis stand-in: RESP pub/sub server for the EV charging stack.")

    @OptionGroup var listen: ListenOptions

    func run() async throws {
        LoggingSetup.bootstrap()
        let (host, port) = try listen.resolve(defaultPort: MockRedisConfiguration().port)
        let configuration = MockRedisConfiguration(host: host, port: port)
        let logger = Logger(label: "mock-redis")
        let server = MockRedisServer(configuration: configuration, logger: logger)
        let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
