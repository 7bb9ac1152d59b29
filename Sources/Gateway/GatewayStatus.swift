import HopTrace
import RESP

/// What `/health` and `/metrics` report.
struct GatewayStatus: Sendable {
    let registry: ConnectionRegistry
    let subscriber: RedisSubscriber<Int>
    let metrics: GatewayMetrics
    let drain: GatewayDrain
    /// nil when tracing is off.
    let traces: TraceRecorder?

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
        // Draining first: a load balancer should stop sending upgrades whatever Redis does.
        return HealthReport(
            status: drain.isDraining ? "draining" : redisUp ? "ok" : "degraded", redis: redisUp ? "connected" : "disconnected",
            connections: registry.connectionCount, users: registry.userCount)
    }

    func metricsText() -> String {
        metrics.redisConnected.set(to: subscriber.isConnected ? 1 : 0)
        metrics.redisReconnects.set(to: Double(subscriber.reconnectCount))
        return metrics.registry.emitToString()
    }
}
