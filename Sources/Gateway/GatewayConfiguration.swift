import Foundation
import RedisCluster

/// Everything the gateway is told at start; DESIGN.md lists the environment variables.
struct GatewayConfiguration: Sendable {
    var host = "0.0.0.0"
    var port = 8080
    var jwtSecret: String
    var redisURL = "redis://127.0.0.1:6379"
    /// `host:port,...` of a Redis Cluster (REDIS_URL then gives only the credentials); nil: one Redis.
    var redisClusterNodes: String?
    /// `sharded` or `classic`; nil: classic for one Redis, sharded for a cluster.
    var redisPubSub: String?
    var backendURL = "http://127.0.0.1:8000"
    /// Seconds between pings; a socket that has not answered by the next ping is closed.
    var pingInterval: Double = 30
    var maxConnections = 10_000
    /// Seconds a backend call may take before the app gets `success: false`.
    var backendTimeout: Double = 10
    /// Bytes; a larger frame or message closes the socket with 1009.
    var maxMessageSize = 65_536
    var allowedOrigins: Set<String>? = nil
    /// Messages per second per connection (token bucket); 0 turns the limit off.
    var rateLimit: Double = 50
    var rateBurst: Double = 100
    /// Backend calls a connection may have waiting at once.
    var maxCallsInFlight = 16
    /// Bytes queued for one app before it counts as a slow consumer and is closed.
    var maxOutboundBytes = 1 << 20
    /// PEM files; both set turns on TLS (`wss://`).
    var tlsCertificatePath: String?
    var tlsKeyPath: String?
    /// Event loop threads (sockets, Redis and backend connections); nil: one per core.
    var eventLoops: Int?
    /// Seconds the drain on SIGTERM waits for in-flight answers before closing what is left.
    var drainTimeout: Double = 10
    /// Hop records kept for `GET /debug/traces/ID` (the cross-hop timeline); 0 keeps none and
    /// serves no traces. The `traceparent` header goes to the backend either way.
    var traceRecords = 0

    init(jwtSecret: String) {
        self.jwtSecret = jwtSecret
    }

    /// `BACKEND_URL` + the spec's endpoint.
    var backendMessageEndpoint: String {
        var base = backendURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/api/websocket/message"
    }
}

extension GatewayConfiguration {
    func redisSettings() throws -> RedisSettings {
        try RedisSettings(url: redisURL, clusterNodes: redisClusterNodes, pubSub: redisPubSub)
    }
}

struct GatewayConfigurationError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
