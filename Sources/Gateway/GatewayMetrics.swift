import Messages
import Prometheus

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
        connections = registry.makeGauge(name: "gateway_connections", help: "Open authenticated WebSocket connections.")
        accepted = registry.makeCounter(name: "gateway_connections_accepted_total", help: "Connections accepted.")
        let refused = "gateway_connections_refused_total"
        let refusedHelp = "Connections refused, by reason."
        refusedAuthenticationRequired = registry.makeCounter(name: refused, labels: [("reason", "authentication_required")], help: refusedHelp)
        refusedInvalidToken = registry.makeCounter(name: refused, labels: [("reason", "invalid_token")], help: refusedHelp)
        refusedAtCapacity = registry.makeCounter(name: refused, labels: [("reason", "server_at_capacity")], help: refusedHelp)
        let messagesIn = "gateway_messages_in_total"
        let inHelp = "Messages from apps, by outcome."
        actionsIn = registry.makeCounter(name: messagesIn, labels: [("type", "action")], help: inHelp)
        invalidIn = registry.makeCounter(name: messagesIn, labels: [("type", "invalid")], help: inHelp)
        rateLimited = registry.makeCounter(name: messagesIn, labels: [("type", "rate_limited")], help: inHelp)
        let messagesOut = "gateway_messages_out_total"
        let outHelp = "Messages to apps, by type."
        pushesOut = registry.makeCounter(name: messagesOut, labels: [("type", "push")], help: outHelp)
        responsesOut = registry.makeCounter(name: messagesOut, labels: [("type", "response")], help: outHelp)
        errorsOut = registry.makeCounter(name: messagesOut, labels: [("type", "error")], help: outHelp)
        backendLatency = registry.makeDurationHistogram(
            name: "gateway_backend_request_duration_seconds",
            buckets: [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                      .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                      .seconds(2.5), .seconds(5), .seconds(10)],
            help: "Backend call latency.")
        let backendErrors = "gateway_backend_errors_total"
        let errorsHelp = "Backend calls that failed, by kind."
        backendUnavailable = registry.makeCounter(name: backendErrors, labels: [("kind", "unavailable")], help: errorsHelp)
        backendTimeout = registry.makeCounter(name: backendErrors, labels: [("kind", "timeout")], help: errorsHelp)
        backendBadResponse = registry.makeCounter(name: backendErrors, labels: [("kind", "bad_response")], help: errorsHelp)
        let closes = "gateway_closes_total"
        let closesHelp = "Connections the gateway closed, by reason."
        slowConsumerCloses = registry.makeCounter(name: closes, labels: [("reason", "slow_consumer")], help: closesHelp)
        tokenExpiredCloses = registry.makeCounter(name: closes, labels: [("reason", "token_expired")], help: closesHelp)
        heartbeatCloses = registry.makeCounter(name: closes, labels: [("reason", "heartbeat_timeout")], help: closesHelp)
        redisConnected = registry.makeGauge(name: "gateway_redis_connected", help: "1 while the Redis subscriber is connected.")
        redisReconnects = registry.makeGauge(name: "gateway_redis_reconnects", help: "Redis subscriber reconnections since start.")
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
