import ArgumentParser
import NIOCore
import Logging
import ServiceLifecycle
import ServiceRuntime

@main
struct MockRedisCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-redis",
        abstract: "A Redis stand-in: a RESP server with Redis 7's pub/sub and a small key space.")

    @OptionGroup var listen: ListenOptions
    @Option(help: "Password clients must AUTH with (env REQUIREPASS, default none).") var requirepass: String?
    @Option(help: "Most clients at once (env MAXCLIENTS, default 10000).") var maxclients: Int?
    @Option(name: .customLong("client-output-buffer-limit-pubsub"),
            help: "Hard limit, soft limit and soft seconds for a subscriber's output buffer (env CLIENT_OUTPUT_BUFFER_LIMIT_PUBSUB, default \"32mb 8mb 60\").")
    var pubsubOutputLimit: String?
    @Option(name: .customLong("io-threads"),
            help: "Event loop threads (env IO_THREADS, default 1, as Redis: every client sees one order of commands).")
    var ioThreads: Int?
    @Option(name: .customLong("cluster-enabled"),
            help: "yes: act as a one-node Redis Cluster that owns every slot (CLUSTER SHARDS/SLOTS; env CLUSTER_ENABLED, default no).")
    var clusterEnabled: String?
    @Option(name: .customLong("cluster-announce-ip"),
            help: "Address announced in CLUSTER SHARDS and SLOTS (env CLUSTER_ANNOUNCE_IP, default the listening host, 127.0.0.1 for 0.0.0.0).")
    var clusterAnnounceIP: String?

    func run() async throws {
        LoggingSetup.bootstrap()
        let env = EnvironmentFallback()
        var configuration = MockRedisConfiguration()
        (configuration.host, configuration.port) = try listen.resolve(defaultPort: configuration.port, env: env)
        configuration.requirePass = env.optionalString(requirepass, "REQUIREPASS")
        configuration.maxClients = try env.int(maxclients, "MAXCLIENTS", default: configuration.maxClients)
        if let text = env.optionalString(pubsubOutputLimit, "CLIENT_OUTPUT_BUFFER_LIMIT_PUBSUB") {
            guard let limit = OutputBufferLimit(text) else {
                throw ValidationError("client-output-buffer-limit-pubsub must be '<hard> <soft> <seconds>', e.g. '32mb 8mb 60'")
            }
            configuration.pubsubOutputLimit = limit
        }
        switch env.string(clusterEnabled, "CLUSTER_ENABLED", default: "no").lowercased() {
        case "yes": configuration.clusterEnabled = true
        case "no": configuration.clusterEnabled = false
        default: throw ValidationError("cluster-enabled must be yes or no")
        }
        configuration.clusterAnnounceIP = env.optionalString(clusterAnnounceIP, "CLUSTER_ANNOUNCE_IP")
        guard configuration.maxClients > 0 else { throw ValidationError("maxclients must be positive") }
        // One loop runs every command, as Redis's one thread does: a PUBLISH answered before
        // another starts is delivered first, to everyone. More loops add throughput for deep
        // pipelines and lose that order between clients.
        let threads = try env.int(ioThreads, "IO_THREADS", default: 1)
        guard threads > 0 else { throw ValidationError("io-threads must be positive") }
        // Before anything uses the shared group.
        NIOSingletons.groupLoopCountSuggestion = threads
        let logger = Logger(label: "mock-redis")
        let server = MockRedisServer(configuration: configuration, logger: logger)
        let group = ServiceGroup(services: [server], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        try await group.run()
    }
}
