import ArgumentParser
import AsyncHTTPClient
import Fleet
import Hummingbird
import Logging
import RedisCluster
import ServiceLifecycle
import ServiceRuntime

@main
struct MockBackendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mock-backend",
        abstract: "A Laravel-compatible backend for the EV charging stack, on SQLite.")

    @OptionGroup var listen: ListenOptions
    @Option(name: .customLong("jwt-secret"), help: "HS256 secret of the tokens (env JWT_SECRET, required).") var jwtSecret: String?
    @Option(name: .customLong("redis-url"), help: "Redis to publish to (env REDIS_URL, default redis://127.0.0.1:6379).") var redisURL: String?
    @Option(name: .customLong("redis-cluster-nodes"), help: "host:port,... of a Redis Cluster to publish to, REDIS_URL giving the password (env REDIS_CLUSTER_NODES, default one Redis at REDIS_URL).") var redisClusterNodes: String?
    @Option(name: .customLong("redis-pubsub"), help: "sharded (SPUBLISH to each channel's shard) or classic (PUBLISH) (env REDIS_PUBSUB, default sharded for a cluster, classic for one Redis).") var redisPubSub: String?
    @Option(help: "SQLite file (env DATABASE, default mock-backend.sqlite).") var database: String?
    @Option(name: .customLong("cms-url"), help: "charger-sim's API (env CMS_URL, default http://127.0.0.1:9000).") var cmsURL: String?
    @Option(name: .customLong("cms-secret"), help: "Secret shared with the CMS (env CMS_SECRET, required).") var cmsSecret: String?
    @Option(help: "Fleet file, JSON (env FLEET, default the built-in CP001 to CP010).") var fleet: String?
    @Option(name: .customLong("trace-records"), help: "Hop records kept for GET /debug/traces/ID, 0 for none (env TRACE_RECORDS, default 10000).") var traceRecords: Int?
    @Option(name: .customLong("jwt-ttl"), help: "Minutes the tokens it issues are valid, as jwt-auth's JWT_TTL (env JWT_TTL, default 60).") var jwtTTL: Int?

    func run() async throws {
        LoggingSetup.bootstrap()
        MallocTuning.keepFreedMemory()
        let env = EnvironmentFallback()
        var configuration = BackendConfiguration(
            jwtSecret: try env.required(jwtSecret, "JWT_SECRET", option: "--jwt-secret"),
            cmsSecret: try env.required(cmsSecret, "CMS_SECRET", option: "--cms-secret"))
        (configuration.host, configuration.port) = try listen.resolve(defaultPort: configuration.port, env: env)
        configuration.redisURL = env.string(redisURL, "REDIS_URL", default: configuration.redisURL)
        configuration.redisClusterNodes = env.optionalString(redisClusterNodes, "REDIS_CLUSTER_NODES")
        configuration.redisPubSub = env.optionalString(redisPubSub, "REDIS_PUBSUB")
        do {
            _ = try RedisSettings(url: configuration.redisURL, clusterNodes: configuration.redisClusterNodes, pubSub: configuration.redisPubSub)
        } catch {
            throw ValidationError("\(error)")
        }
        configuration.databasePath = env.string(database, "DATABASE", default: configuration.databasePath)
        configuration.cmsURL = env.string(cmsURL, "CMS_URL", default: configuration.cmsURL)
        configuration.fleetPath = env.optionalString(fleet, "FLEET")
        configuration.tokenTTLMinutes = try env.int(jwtTTL, "JWT_TTL", default: configuration.tokenTTLMinutes)
        configuration.traceRecords = try env.int(traceRecords, "TRACE_RECORDS", default: configuration.traceRecords)
        guard configuration.traceRecords >= 0 else { throw ValidationError("TRACE_RECORDS must be 0 or more") }
        guard configuration.tokenTTLMinutes > 0 else { throw ValidationError("JWT_TTL must be a positive number of minutes") }

        let logger = Logger(label: "mock-backend")
        let fleetDefinition = try FleetDefinition.load(path: configuration.fleetPath)
        let httpClient = HTTPClient.makeFailFast()
        do {
            let backend = try BackendApplication(
                configuration: configuration, fleet: fleetDefinition, httpClient: httpClient, logger: logger)
            try await backend.application().runService()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }
}
