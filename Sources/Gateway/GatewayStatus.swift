import HopTrace
import RESP
import RedisCluster

/// What `/health` and `/metrics` report.
struct GatewayStatus: Sendable {
    let registry: ConnectionRegistry
    let subscriber: any UserSubscriber
    let metrics: GatewayMetrics
    let drain: GatewayDrain
    /// nil when tracing is off.
    let traces: TraceRecorder?

    struct HealthReport: Encodable {
        var status: String
        var redis: String
        var connections: Int
        var users: Int
        /// In a cluster: each shard's subscriber connection.
        var redisShards: [ClusterShardStatus]?
        var healthy: Bool { status == "ok" }

        enum CodingKeys: String, CodingKey {
            case status, redis, connections, users
            case redisShards = "redis_shards"
        }
    }

    func health() -> HealthReport {
        let redisUp = subscriber.isConnected
        // Draining first: a load balancer should stop sending upgrades whatever Redis does.
        return HealthReport(
            status: drain.isDraining ? "draining" : redisUp ? "ok" : "degraded", redis: redisUp ? "connected" : "disconnected",
            connections: registry.connectionCount, users: registry.userCount,
            redisShards: subscriber.shardStatus)
    }

    func metricsText() -> String {
        metrics.redisConnected.set(to: subscriber.isConnected ? 1 : 0)
        metrics.redisReconnects.set(to: Double(subscriber.reconnectCount))
        if let shards = subscriber.shardStatus { metrics.recordShards(shards) }
        return metrics.registry.emitToString()
    }
}
