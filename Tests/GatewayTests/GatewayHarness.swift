import AccessTokens
import AsyncHTTPClient
import ServiceRuntime
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Messages
import NIOConcurrencyHelpers
import NIOCore
import RESP
import ServiceLifecycle
import TestSupport

@testable import Gateway
@testable import MockRedis

/// Which Redis the gateway runs against: every integration test runs on both.
enum RedisKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case mock, real
    var testDescription: String { rawValue == "mock" ? "mock-redis" : "redis-server" }
}

import Testing

/// A backend stand-in that records what the gateway sends and answers as told.
final class StubBackend: Sendable {
    struct Reply: Sendable {
        var status: HTTPResponse.Status = .ok
        var body = #"{"success":true,"data":{"echo":true}}"#
        var delay: Duration = .zero
        /// When set, the answer waits until the test announces it.
        var gate: Announcement<Bool>? = nil
    }

    struct Recorded: Sendable {
        var authorization: String?
        var traceparent: String?
        var body: JSONValue
    }

    private let state = NIOLockedValueBox((reply: Reply(), requests: [Recorded]()))

    var requests: [Recorded] { state.withLockedValue { $0.requests } }
    func reply(_ reply: Reply) { state.withLockedValue { $0.reply = reply } }

    func application(onBound: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.post("/api/websocket/message") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let json = (try? JSONCoding.decode(JSONValue.self, from: Data(body.readableBytesView))) ?? .null
            let reply = self.state.withLockedValue { state in
                state.requests.append(Recorded(
                    authorization: request.headers[.authorization], traceparent: request.headers[HTTPField.Name("traceparent")!], body: json))
                return state.reply
            }
            if reply.delay > .zero { try await Task.sleep(for: reply.delay) }
            if let gate = reply.gate { _ = await gate.value }
            return Response(status: reply.status, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
        }
        return Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { onBound($0.localAddress!.port!) }, logger: Logger(label: "stub-backend"))
    }
}

/// A running gateway with its Redis and stub backend.
struct GatewayUnderTest: Sendable {
    static let secret = "gateway-test-secret"
    let port: Int
    let redisURL: String
    let backend: StubBackend
    let app: GatewayApplication
    let group: ServiceGroup

    /// Shuts the gateway down as SIGTERM would.
    func shutdown() async { await group.triggerGracefulShutdown() }

    /// Subscribers of `channel`, as Redis counts them.
    func subscriberCount(_ channel: String) async throws -> Int {
        let redis = try await RESPConnection.connect(to: RedisURL(redisURL))
        defer { Task { await redis.close() } }
        return try await redis.send(["PUBSUB", "NUMSUB", channel]).array?.last?.integer ?? 0
    }

    func token(user: Int, ttl: Int = 3600) throws -> String {
        try HS256(secret: Self.secret).sign(TokenClaims.laravel(userID: user, issuer: "test", ttl: ttl))
    }

    func url(token: String?) -> String {
        "ws://127.0.0.1:\(port)/" + (token.map { "?token=\($0)" } ?? "")
    }

    func connect(user: Int) async throws -> WebSocketProbe {
        let probe = WebSocketProbe(url: url(token: try token(user: user)))
        _ = try await probe.message(ofType: .connected)
        return probe
    }

    /// Publishes once the gateway has subscribed the channel.
    func publish(_ message: String, to channel: String) async throws {
        let redis = try await RESPConnection.connect(to: RedisURL(redisURL))
        defer { Task { await redis.close() } }
        let deadline = ContinuousClock.now + .seconds(10)
        while try await redis.send(["PUBSUB", "NUMSUB", channel]).array?.last?.integer ?? 0 == 0 {
            guard ContinuousClock.now < deadline else { throw TestSupportError("gateway never subscribed \(channel)") }
            try await Task.sleep(for: .milliseconds(10))
        }
        try await redis.send(["PUBLISH", channel, message])
    }

    static func run(
        redis kind: RedisKind,
        configure: @Sendable (inout GatewayConfiguration) -> Void = { _ in },
        _ body: @Sendable (GatewayUnderTest) async throws -> Void
    ) async throws {
        switch kind {
        case .real:
            let redis = try await RedisServerProcess()
            do {
                try await run(redisURL: redis.url, configure: configure, body)
            } catch {
                await redis.stop()
                throw error
            }
            await redis.stop()
        case .mock:
            let bound = Announcement<Int>()
            let server = MockRedisServer(configuration: .init(host: "127.0.0.1", port: 0), logger: Logger(label: "mock-redis"),
                                         onBound: { bound.announce($0) })
            try await withServices([server]) {
                try await run(redisURL: "redis://127.0.0.1:\(await bound.value)", configure: configure, body)
            }
        }
    }

    static func run(
        redisURL: String, configure: @Sendable (inout GatewayConfiguration) -> Void,
        _ body: @Sendable (GatewayUnderTest) async throws -> Void
    ) async throws {
        let backend = StubBackend()
        let backendPort = Announcement<Int>()
        let backendApp = backend.application { backendPort.announce($0) }
        try await withServices([backendApp]) {
            var configuration = GatewayConfiguration(jwtSecret: secret)
            configuration.host = "127.0.0.1"
            configuration.port = 0
            configuration.redisURL = redisURL
            configuration.backendURL = "http://127.0.0.1:\(await backendPort.value)"
            configure(&configuration)
            let gatewayPort = Announcement<Int>()
            let app = try GatewayApplication(
                configuration: configuration, logger: Logger(label: "gateway"),
                onBound: { gatewayPort.announce($0) })
            do {
                try await withServiceGroup(app.services) { group in
                    // Tests start once the gateway is fully up, Redis subscriber included.
                    try await waitUntil { app.subscriber.isConnected }
                    let gateway = GatewayUnderTest(
                        port: await gatewayPort.value, redisURL: redisURL, backend: backend, app: app, group: group)
                    try await body(gateway)
                }
            } catch {
                await app.backend.shutdown()
                throw error
            }
            await app.backend.shutdown()
        }
    }
}
