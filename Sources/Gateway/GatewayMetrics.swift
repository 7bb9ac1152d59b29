import Messages
import NIOConcurrencyHelpers
import Prometheus
import RedisCluster

/// The gateway's Prometheus metrics (`GET /metrics`). Every handle is thread-safe; the hot
/// path only increments.
final class GatewayMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()

    let connections: Gauge
    let accepted: Counter
    let refusedAuthenticationRequired: Counter
    let refusedInvalidToken: Counter
    let refusedAtCapacity: Counter
    let actionsIn: Counter
    let invalidIn: Counter
    let rateLimited: Counter
    let pushesOut: Counter
    let responsesOut: Counter
    let errorsOut: Counter
    let backendLatency: DurationHistogram
    let backendUnavailable: Counter
    let backendTimeout: Counter
    let backendBadResponse: Counter
    let slowConsumerCloses: Counter
    let tokenExpiredCloses: Counter
    let heartbeatCloses: Counter
    let redisConnected: Gauge
    let redisReconnects: Gauge

    init() {
        connections = registry.makeGauge(descriptor: .init("gateway_connections", help: "Open authenticated WebSocket connections."))
        accepted = registry.makeCounter(descriptor: .init("gateway_connections_accepted_total", help: "Connections accepted."))
        let refused = "gateway_connections_refused_total"
        let refusedHelp = "Connections refused, by reason."
        refusedAuthenticationRequired = registry.makeCounter(descriptor: .init(refused, help: refusedHelp), labels: [("reason", "authentication_required")])
        refusedInvalidToken = registry.makeCounter(descriptor: .init(refused, help: refusedHelp), labels: [("reason", "invalid_token")])
        refusedAtCapacity = registry.makeCounter(descriptor: .init(refused, help: refusedHelp), labels: [("reason", "server_at_capacity")])
        let messagesIn = "gateway_messages_in_total"
        let inHelp = "Messages from apps, by outcome."
        actionsIn = registry.makeCounter(descriptor: .init(messagesIn, help: inHelp), labels: [("type", "action")])
        invalidIn = registry.makeCounter(descriptor: .init(messagesIn, help: inHelp), labels: [("type", "invalid")])
        rateLimited = registry.makeCounter(descriptor: .init(messagesIn, help: inHelp), labels: [("type", "rate_limited")])
        let messagesOut = "gateway_messages_out_total"
        let outHelp = "Messages to apps, by type."
        pushesOut = registry.makeCounter(descriptor: .init(messagesOut, help: outHelp), labels: [("type", "push")])
        responsesOut = registry.makeCounter(descriptor: .init(messagesOut, help: outHelp), labels: [("type", "response")])
        errorsOut = registry.makeCounter(descriptor: .init(messagesOut, help: outHelp), labels: [("type", "error")])
        backendLatency = registry.makeDurationHistogram(
            descriptor: .init("gateway_backend_request_duration_seconds", help: "Backend call latency."),
            buckets: [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                      .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                      .seconds(2.5), .seconds(5), .seconds(10)])
        let backendErrors = "gateway_backend_errors_total"
        let errorsHelp = "Backend calls that failed, by kind."
        backendUnavailable = registry.makeCounter(descriptor: .init(backendErrors, help: errorsHelp), labels: [("kind", "unavailable")])
        backendTimeout = registry.makeCounter(descriptor: .init(backendErrors, help: errorsHelp), labels: [("kind", "timeout")])
        backendBadResponse = registry.makeCounter(descriptor: .init(backendErrors, help: errorsHelp), labels: [("kind", "bad_response")])
        let closes = "gateway_closes_total"
        let closesHelp = "Connections the gateway closed, by reason."
        slowConsumerCloses = registry.makeCounter(descriptor: .init(closes, help: closesHelp), labels: [("reason", "slow_consumer")])
        tokenExpiredCloses = registry.makeCounter(descriptor: .init(closes, help: closesHelp), labels: [("reason", "token_expired")])
        heartbeatCloses = registry.makeCounter(descriptor: .init(closes, help: closesHelp), labels: [("reason", "heartbeat_timeout")])
        redisConnected = registry.makeGauge(descriptor: .init("gateway_redis_connected", help: "1 while the Redis subscriber is connected."))
        redisReconnects = registry.makeGauge(descriptor: .init("gateway_redis_reconnects", help: "Redis subscriber reconnections since start."))
    }

    /// Shards seen so far: a shard that left the map reports 0, not its last state.
    private let knownShards = NIOLockedValueBox<Set<String>>([])

    /// Per shard of a cluster: `gateway_redis_shard_connected{node=...}` and its channels.
    func recordShards(_ shards: [ClusterShardStatus]) {
        let current = Dictionary(shards.map { ($0.node.description, $0) }, uniquingKeysWith: { first, _ in first })
        let all = knownShards.withLockedValue { known in
            known.formUnion(current.keys)
            return known
        }
        for node in all.sorted() {
            let shard = current[node]
            registry.makeGauge(descriptor: .init("gateway_redis_shard_connected", help: "1 while the subscriber connection to a cluster shard's primary is up."),
                               labels: [("node", node)]).set(to: shard?.connected == true ? 1 : 0)
            registry.makeGauge(descriptor: .init("gateway_redis_shard_channels", help: "Channels subscribed on a cluster shard's primary."),
                               labels: [("node", node)]).set(to: Double(shard?.channels ?? 0))
        }
    }

    func countRefusal(_ reason: CloseReason) {
        switch reason {
        case .authenticationRequired: refusedAuthenticationRequired.increment()
        case .serverAtCapacity: refusedAtCapacity.increment()
        default: refusedInvalidToken.increment()
        }
    }

    func countBackendFailure(_ answer: BackendAnswer) {
        guard case .failure(let error, _) = answer else { return }
        switch error {
        case BackendForwarder.unavailable: backendUnavailable.increment()
        case BackendForwarder.timeout: backendTimeout.increment()
        case BackendForwarder.badResponse, BackendForwarder.backendError: backendBadResponse.increment()
        default: break
        }
    }
}

extension MetricNameDescriptor {
    /// A metric named in full (the name already carries its unit, as the README lists them).
    init(_ name: String, help: String) {
        self.init(metricName: name, unitName: "", helpText: help)
    }
}
