import AccessTokens
import AsyncHTTPClient
import Fleet
import Foundation
import GRDB
import HopTrace
import HopTraceHTTP
import Hummingbird
import Logging
import RedisCluster
import Messages
import RESP
import ServiceRuntime
import LaravelValidation

/// mock-backend's HTTP API, Laravel-shaped.
struct BackendApplication {
    let configuration: BackendConfiguration
    let database: BackendDatabase
    let actions: ChargingActions
    let events: CMSEventHandler
    let authenticator: BearerAuthenticator
    let auth: AuthRoutes
    let relay: OutboxRelay
    let cms: CMSClient
    let fleet: FleetDefinition
    /// nil when tracing is off.
    let traces: TraceRecorder?
    let logger: Logger

    init(configuration: BackendConfiguration, fleet: FleetDefinition, httpClient: HTTPClient, logger: Logger) throws {
        self.configuration = configuration
        self.fleet = fleet
        self.logger = logger
        let traces = configuration.traceRecords > 0 ? TraceRecorder(program: "mock-backend", capacity: configuration.traceRecords) : nil
        self.traces = traces
        database = try BackendDatabase(path: configuration.databasePath, fleet: fleet)
        // The CMS's own announcement, from before a restart, beats the configured default.
        let cmsURL = try database.setting(BackendDatabase.announcedCMSURL) ?? configuration.cmsURL
        cms = CMSClient(httpClient: httpClient, baseURL: cmsURL, secret: configuration.cmsSecret, traces: traces, logger: logger)
        let redis = try RedisSettings(url: configuration.redisURL, clusterNodes: configuration.redisClusterNodes, pubSub: configuration.redisPubSub)
        relay = OutboxRelay(database: database, redis: redis.makePublisher(), traces: traces, logger: logger)
        actions = ChargingActions(database: database, cms: cms, logger: logger)
        events = CMSEventHandler(database: database, cms: cms, relay: relay, logger: logger)
        let signer = HS256(secret: configuration.jwtSecret)
        authenticator = try BearerAuthenticator(verifier: signer, database: database)
        auth = AuthRoutes(
            database: database, authenticator: authenticator, signer: signer, issuer: configuration.issuer,
            tokenTTLMinutes: configuration.tokenTTLMinutes, logger: logger)
    }

    var routes: [BackendRoute] {
        [
            BackendRoute(.get, "/health", health),
            BackendRoute(.post, "/api/websocket/message", websocketMessage),
            BackendRoute(.post, "/api/cms/events", cmsEvent),
            BackendRoute(.post, "/api/testing/reset", reset),
            BackendRoute(.get, "/debug/traces/{trace}") { [traces] request in TraceRoute.response(request, recorder: traces) },
        ] + auth.routes
    }

    func router() -> Router<BasicRequestContext> {
        BackendRoute.router(routes, traces: traces, logger: logger)
    }

    func application(onBound: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "mock-backend"),
            services: [relay],
            onServerRunning: { [logger, host = configuration.host] channel in
                let port = channel.localAddress?.port ?? 0
                logger.announceListening(scheme: "http", host: host, port: port)
                onBound(port)
            },
            logger: logger)
    }

    // MARK: Routes

    /// 200 while the database answers; says whether Redis takes the published messages, and
    /// which CMS URL remote commands go to.
    func health(_ request: Request) async -> Response {
        let pending = try? database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? 0 }
        guard let pending else { return JSONResponse.make(["status": "error", "database": "down"], status: .serviceUnavailable) }
        let body: JSONValue = [
            "status": "ok", "database": "up", "redis": relay.isRedisReachable ? "up" : "down", "outbox": .int(pending),
            "cms": .string(cms.url),
        ]
        return JSONResponse.make(body)
    }

    /// Test support: the database back to its seeded state (`client scenario run` calls it
    /// between scenarios). Needs the CMS secret, like the other calls of the stack's operator.
    func reset(_ request: Request) async -> Response {
        guard request.headers[.authorization] == "Bearer \(configuration.cmsSecret)" else { return JSONResponse.unauthenticated }
        do {
            try database.reset(fleet: fleet)
            authenticator.forgetAll()
            let users = try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM users") ?? 0 }
            logger.info("database reset to its seed", metadata: ["users": "\(users)"])
            return JSONResponse.make(["status": "ok", "users": .int(users), "chargers": .int(fleet.chargers.count)] as JSONValue)
        } catch {
            logger.error("reset failed", metadata: ["error": "\(error)"])
            return JSONResponse.make(["message": "Server Error"] as JSONValue, status: .internalServerError)
        }
    }

    func websocketMessage(_ request: Request) async -> Response {
        guard let userID = authenticator.authenticate(request)?.userID else { return JSONResponse.unauthenticated }
        guard let body = try? await request.body.collect(upTo: 1 << 20) else { return JSONResponse.payloadTooLarge }
        let message: BackendRequest
        switch BackendRequest.validated(RequestFields(json: try? JSONReader.parse(body.readableBytesView))) {
        case .success(let valid): message = valid
        case .failure(let errors): return errors.response
        }
        guard message.userId == userID else {
            return ActionFailure(status: .forbidden, error: "Forbidden", message: "userId does not match the token").response
        }
        do {
            let data = try await actions.handle(message)
            logger.debug("action handled", metadata: ["action": "\(message.action)", "user": "\(userID)"])
            return JSONResponse.make(BackendResponse(success: true, data: data))
        } catch {
            logger.debug("action refused", metadata: ["action": "\(message.action)", "user": "\(userID)", "error": "\(error.error)"])
            return error.response
        }
    }

    /// One event, or an array of them (charger-sim sends what has queued up in one request).
    /// A single event that fails validation is a Laravel 422; a batch answers per item.
    func cmsEvent(_ request: Request) async -> Response {
        guard request.headers[.authorization] == "Bearer \(configuration.cmsSecret)" else { return JSONResponse.unauthenticated }
        guard let body = try? await request.body.collect(upTo: 1 << 24) else { return JSONResponse.payloadTooLarge }
        let json = try? JSONReader.parse(body.readableBytesView)
        guard case .array(let items)? = json else {
            switch CMSEvent.validated(RequestFields(json: json)) {
            case .failure(let errors):
                return errors.response
            case .success(let event):
                do {
                    try await events.handle(event)
                    return JSONResponse.make(["success": true])
                } catch {
                    return error.response
                }
            }
        }
        let checked = items.map { CMSEvent.validated(RequestFields(json: $0)) }
        let parsed = checked.map { try? $0.get() }
        let valid = parsed.enumerated().compactMap { index, event in event.map { (index, $0) } }
        do {
            var refused = try events.handle(batch: valid.map(\.1)).map { (index: valid[$0.index].0, failure: $0.failure) }
            refused += checked.enumerated().compactMap { index, result in
                guard case .failure(let errors) = result else { return nil }
                return (index: index, failure: ActionFailure(status: .unprocessableContent, error: "Validation failed", message: errors.firstMessage))
            }
            let list = refused.sorted { $0.index < $1.index }.map { refusal -> JSONValue in
                ["index": .int(refusal.index), "error": .string(refusal.failure.error), "message": .string(refusal.failure.message)]
            }
            return JSONResponse.make(["success": true, "accepted": .int(items.count - list.count), "refused": .array(list)] as JSONValue)
        } catch {
            return error.response
        }
    }
}
