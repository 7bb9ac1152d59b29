import AccessTokens
import ArgumentParser
import Foundation
import HopTrace
import Logging
import Messages
import NIOCore
import NIOPosix
import RESP
import RedisCluster
import ServiceLifecycle
import ServiceRuntime

@main
struct GatewayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway",
        abstract: "WebSocket gateway between the mobile app, the Laravel backend and Redis pub/sub.")

    @OptionGroup var listen: ListenOptions
    @Option(name: .customLong("jwt-secret"), help: "HS256 secret of the tokens (env JWT_SECRET, required).") var jwtSecret: String?
    @Option(name: .customLong("redis-url"), help: "Redis to subscribe to (env REDIS_URL, default redis://127.0.0.1:6379).") var redisURL: String?
    @Option(name: .customLong("redis-cluster-nodes"), help: "host:port,... of a Redis Cluster to subscribe on, REDIS_URL giving the password (env REDIS_CLUSTER_NODES, default one Redis at REDIS_URL).") var redisClusterNodes: String?
    @Option(name: .customLong("redis-pubsub"), help: "sharded (SSUBSCRIBE on each channel's shard) or classic (SUBSCRIBE) (env REDIS_PUBSUB, default sharded for a cluster, classic for one Redis).") var redisPubSub: String?
    @Option(name: .customLong("backend-url"), help: "Laravel backend (env BACKEND_URL, default http://127.0.0.1:8000).") var backendURL: String?
    @Option(name: .customLong("ping-interval"), help: "Seconds between heartbeat pings (env PING_INTERVAL, default 30).") var pingInterval: Double?
    @Option(name: .customLong("max-connections"), help: "Connections held at most (env MAX_CONNECTIONS, default 10000).") var maxConnections: Int?
    @Option(name: .customLong("backend-timeout"), help: "Seconds a backend call may take (env BACKEND_TIMEOUT, default 10).") var backendTimeout: Double?
    @Option(name: .customLong("max-message-size"), help: "Largest message in bytes (env MAX_MESSAGE_SIZE, default 65536).") var maxMessageSize: Int?
    @Option(name: .customLong("allowed-origins"), help: "Comma-separated Origins allowed (env ALLOWED_ORIGINS, default any).") var allowedOrigins: String?
    @Option(name: .customLong("rate-limit"), help: "Messages per second per connection, 0 for no limit (env RATE_LIMIT, default 50).") var rateLimit: Double?
    @Option(name: .customLong("rate-burst"), help: "Burst of the rate limit (env RATE_BURST, default 100).") var rateBurst: Double?
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain; with --tls-key, serves wss:// (env TLS_CERT).") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key (env TLS_KEY).") var tlsKey: String?
    @Option(name: .customLong("event-loops"), help: "Event loop threads (env EVENT_LOOPS, default one per core).") var eventLoops: Int?
    @Option(name: .customLong("drain-timeout"), help: "Seconds SIGTERM waits for in-flight answers before closing every socket with 1001 (env DRAIN_TIMEOUT, default 10).") var drainTimeout: Double?
    @Option(name: .customLong("max-outbound-bytes"), help: "Bytes queued for one app before it is closed as a slow consumer (env MAX_OUTBOUND_BYTES, default 1048576).") var maxOutboundBytes: Int?

    @Option(name: .customLong("trace-records"), help: "Hop records kept for GET /debug/traces/ID, 0 for none (env TRACE_RECORDS, default 0).") var traceRecords: Int?

    func resolvedConfiguration(env: EnvironmentFallback = EnvironmentFallback()) throws -> GatewayConfiguration {
        var configuration = GatewayConfiguration(jwtSecret: try env.required(jwtSecret, "JWT_SECRET", option: "--jwt-secret"))
        (configuration.host, configuration.port) = try listen.resolve(defaultPort: configuration.port, env: env)
        configuration.redisURL = env.string(redisURL, "REDIS_URL", default: configuration.redisURL)
        configuration.redisClusterNodes = env.optionalString(redisClusterNodes, "REDIS_CLUSTER_NODES")
        configuration.redisPubSub = env.optionalString(redisPubSub, "REDIS_PUBSUB")
        do {
            _ = try configuration.redisSettings()
        } catch {
            throw ValidationError("\(error)")
        }
        configuration.backendURL = env.string(backendURL, "BACKEND_URL", default: configuration.backendURL)
        configuration.pingInterval = try env.double(pingInterval, "PING_INTERVAL", default: configuration.pingInterval)
        configuration.maxConnections = try env.int(maxConnections, "MAX_CONNECTIONS", default: configuration.maxConnections)
        configuration.backendTimeout = try env.double(backendTimeout, "BACKEND_TIMEOUT", default: configuration.backendTimeout)
        configuration.maxMessageSize = try env.int(maxMessageSize, "MAX_MESSAGE_SIZE", default: configuration.maxMessageSize)
        configuration.rateLimit = try env.double(rateLimit, "RATE_LIMIT", default: configuration.rateLimit)
        configuration.rateBurst = try env.double(rateBurst, "RATE_BURST", default: configuration.rateBurst)
        configuration.maxOutboundBytes = try env.int(maxOutboundBytes, "MAX_OUTBOUND_BYTES", default: configuration.maxOutboundBytes)
        configuration.drainTimeout = try env.double(drainTimeout, "DRAIN_TIMEOUT", default: configuration.drainTimeout)
        configuration.eventLoops = try env.optionalInt(eventLoops, "EVENT_LOOPS")
        configuration.traceRecords = try env.int(traceRecords, "TRACE_RECORDS", default: configuration.traceRecords)
        configuration.tlsCertificatePath = env.optionalString(tlsCert, "TLS_CERT")
        configuration.tlsKeyPath = env.optionalString(tlsKey, "TLS_KEY")
        if let origins = env.optionalString(allowedOrigins, "ALLOWED_ORIGINS") {
            configuration.allowedOrigins = Set(origins.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        guard configuration.maxMessageSize > 0, configuration.maxConnections > 0, configuration.backendTimeout > 0,
              configuration.maxOutboundBytes > 1024, configuration.rateLimit >= 0, configuration.drainTimeout >= 0, configuration.rateBurst >= 1,
              configuration.traceRecords >= 0,
            (configuration.eventLoops ?? 1) > 0 else {
            throw ValidationError(
                "MAX_MESSAGE_SIZE, MAX_CONNECTIONS, BACKEND_TIMEOUT and EVENT_LOOPS must be positive, MAX_OUTBOUND_BYTES over 1024, RATE_LIMIT, DRAIN_TIMEOUT and TRACE_RECORDS 0 or more, RATE_BURST 1 or more")
        }
        return configuration
    }

    func run() async throws {
        LoggingSetup.bootstrap()
        let configuration = try resolvedConfiguration()
        if let eventLoops = configuration.eventLoops {
            // Before anything touches the shared group: sockets, Redis and the HTTP client use it.
            NIOSingletons.groupLoopCountSuggestion = eventLoops
        }
        let logger = Logger(label: "gateway")
        let app = try GatewayApplication(configuration: configuration, logger: logger)
        let group = ServiceGroup(
            services: app.services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        do {
            try await group.run()
        } catch {
            await app.backend.shutdown()
            throw error
        }
        await app.backend.shutdown()
    }
}

/// The gateway's parts, wired together; tests build it the same way.
struct GatewayApplication: Sendable {
    let server: GatewayServer
    let subscriber: any UserSubscriber
    let registry: ConnectionRegistry
    let backend: BackendHTTPClient

    var services: [any Service] { [subscriber, server] }

    /// Heartbeats and token expiry are checked this often: a second, or finer for short
    /// heartbeat intervals (tests).
    static func clockResolution(pingInterval: TimeAmount) -> TimeAmount {
        guard pingInterval > .zero else { return .seconds(1) }
        return min(.seconds(1), .nanoseconds(pingInterval.nanoseconds / 4))
    }

    /// One subscriber connection per event loop to one Redis (`PerLoopSubscriber`), or one per
    /// shard of a cluster. `onMessage` is told whether the message came on a loop's own
    /// connection, to be delivered to that loop's sockets only.
    static func makeSubscriber(settings: RedisSettings, logger: Logger,
                               eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
                               onMessage: @escaping @Sendable (_ channel: ByteBuffer, _ payload: ByteBuffer, _ onThisLoopOnly: Bool) -> Void)
        -> any UserSubscriber {
        let channels: @Sendable (Int) -> [String] = { UserChannel.names(forUser: $0) }
        guard settings.isCluster else {
            return PerLoopSubscriber(loops: Array(eventLoopGroup.makeIterator())) { loop in
                RedisSubscriber<Int>(
                    url: settings.url, mode: settings.pubSubMode, eventLoopGroup: loop, logger: logger, channels: channels,
                    topicOfChannel: { UserChannel.parse($0)?.userID }, onMessage: { onMessage($0, $1, true) })
            }
        }
        return ClusterSubscriber<Int>(
            configuration: .init(discovery: settings.discovery(), mode: settings.pubSubMode), logger: logger, channels: channels,
            onMessage: { onMessage($0, $1, false) })
    }

    init(configuration: GatewayConfiguration, logger: Logger,
         onBound: @escaping @Sendable (Int) -> Void = { _ in }) throws {
        let metrics = GatewayMetrics()
        let traces = configuration.traceRecords > 0 ? TraceRecorder(program: "gateway", capacity: configuration.traceRecords) : nil
        let registry = ConnectionRegistry(maxConnections: configuration.maxConnections, metrics: metrics, traces: traces)
        let subscriber = Self.makeSubscriber(settings: try configuration.redisSettings(), logger: logger) { channel, payload, onThisLoopOnly in
            registry.deliver(channel: channel, payload: payload, onThisLoopOnly: onThisLoopOnly)
        }
        registry.attach(subscriber)
        let backend = try BackendHTTPClient(url: configuration.backendMessageEndpoint)
        let forwarder = BackendForwarder(
            client: backend, timeout: .milliseconds(Int64(configuration.backendTimeout * 1000)), traces: traces, logger: logger)
        let limits = WebSocketSession.Limits(
            pingInterval: .milliseconds(Int64(configuration.pingInterval * 1000)),
            rateLimit: configuration.rateLimit, rateBurst: configuration.rateBurst,
            maxCallsInFlight: configuration.maxCallsInFlight, maxMessageSize: configuration.maxMessageSize)
        let drain = GatewayDrain()
        let dependencies = WebSocketSession.Dependencies(
            registry: registry, forwarder: forwarder, metrics: metrics, drain: drain,
            clock: SessionClock(resolution: Self.clockResolution(pingInterval: limits.pingInterval)), limits: limits, logger: logger)
        self.registry = registry
        self.subscriber = subscriber
        self.backend = backend
        self.server = try GatewayServer(
            configuration: configuration, authenticator: ConnectionAuthenticator(verifier: HS256(secret: configuration.jwtSecret)),
            dependencies: dependencies, status: GatewayStatus(registry: registry, subscriber: subscriber, metrics: metrics, drain: drain, traces: traces),
            onBound: onBound)
    }
}
