import RESP

/// What `/health` and `/metrics` report.
struct GatewayStatus: Sendable {
    let registry: ConnectionRegistry
    let subscriber: RedisSubscriber

    struct HealthReport: Encodable {
        var status: String
        var redis: String
        var connections: Int
        var users: Int
        var healthy: Bool { status == "ok" }

        enum CodingKeys: String, CodingKey { case status, redis, connections, users }
    }

    func health() -> HealthReport {
        let redisUp = subscriber.isConnected
        return HealthReport(
            status: redisUp ? "ok" : "degraded", redis: redisUp ? "connected" : "disconnected",
            connections: registry.connectionCount, users: registry.userCount)
    }

    func metricsText() -> String {
        """
        # HELP gateway_connections Open authenticated WebSocket connections.
        # TYPE gateway_connections gauge
        gateway_connections \(registry.connectionCount)
        # HELP gateway_users Users with at least one open connection.
        # TYPE gateway_users gauge
        gateway_users \(registry.userCount)
        # HELP gateway_redis_connected Whether the Redis subscriber is connected.
        # TYPE gateway_redis_connected gauge
        gateway_redis_connected \(subscriber.isConnected ? 1 : 0)
        # HELP gateway_redis_reconnects_total Redis subscriber reconnections.
        # TYPE gateway_redis_reconnects_total counter
        gateway_redis_reconnects_total \(subscriber.reconnectCount)

        """
    }
}
