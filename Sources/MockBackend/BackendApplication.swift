import AccessTokens
import AsyncHTTPClient
import Fleet
import Foundation
import GRDB
import Hummingbird
import Logging
import Messages
import RESP
import ServiceRuntime

/// mock-backend's HTTP API, Laravel-shaped.
struct BackendApplication {
    let configuration: BackendConfiguration
    let database: BackendDatabase
    let actions: ChargingActions
    let events: CMSEventHandler
    let verifier: HS256
    let logger: Logger

    init(configuration: BackendConfiguration, fleet: FleetDefinition, httpClient: HTTPClient, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        database = try BackendDatabase(path: configuration.databasePath, fleet: fleet)
        let cms = CMSClient(httpClient: httpClient, baseURL: configuration.cmsURL, secret: configuration.cmsSecret, logger: logger)
        let publisher = EventPublisher(redis: RedisClient(url: try RedisURL(configuration.redisURL)), logger: logger)
        actions = ChargingActions(database: database, cms: cms, logger: logger)
        events = CMSEventHandler(database: database, cms: cms, publisher: publisher, logger: logger)
        verifier = HS256(secret: configuration.jwtSecret)
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/health") { _, _ in JSONResponse.make(["status": "ok"]) }
        router.post("/api/websocket/message") { request, _ in await self.websocketMessage(request) }
        router.post("/api/cms/events") { request, _ in await self.cmsEvent(request) }
        return router
    }

    func application(onBound: @escaping @Sendable (Int) -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "mock-backend"),
            onServerRunning: { [logger, host = configuration.host] channel in
                let port = channel.localAddress?.port ?? 0
                logger.announceListening(scheme: "http", host: host, port: port)
                onBound(port)
            },
            logger: logger)
    }

    // MARK: Routes

    func websocketMessage(_ request: Request) async -> Response {
        guard let userID = await authenticatedUser(request) else { return JSONResponse.unauthenticated }
        guard let body = try? await request.body.collect(upTo: 1 << 20),
              let message = try? JSONCoding.decode(BackendRequest.self, from: Data(body.readableBytesView)),
              message.data.objectValue != nil
        else {
            return ActionFailure(status: .badRequest, error: "Invalid request", message: "The body must be {action, data, userId}").response
        }
        guard message.userId == userID else {
            return ActionFailure(status: .forbidden, error: "Forbidden", message: "userId does not match the token").response
        }
        do {
            let data = try await actions.handle(message)
            logger.info("action handled", metadata: ["action": "\(message.action)", "user": "\(userID)"])
            return JSONResponse.make(BackendResponse(success: true, data: data))
        } catch {
            logger.info("action refused", metadata: ["action": "\(message.action)", "user": "\(userID)", "error": "\(error.error)"])
            return error.response
        }
    }

    func cmsEvent(_ request: Request) async -> Response {
        guard request.headers[.authorization] == "Bearer \(configuration.cmsSecret)" else { return JSONResponse.unauthenticated }
        guard let body = try? await request.body.collect(upTo: 1 << 20),
              let event = try? JSONCoding.decode(CMSEvent.self, from: Data(body.readableBytesView))
        else {
            return ActionFailure(status: .badRequest, error: "Invalid event", message: "The body must be a CMS event").response
        }
        do {
            try await events.handle(event)
            return JSONResponse.make(["success": true])
        } catch {
            return error.response
        }
    }

    /// The user of a valid bearer token: HS256 with `JWT_SECRET`, within `nbf`/`exp`, a known
    /// user, not revoked.
    func authenticatedUser(_ request: Request) async -> Int? {
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer "),
              let claims = try? verifier.verify(String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces))
        else { return nil }
        let known = try? await database.pool.read { db in
            let user = try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE id = ?", arguments: [claims.sub]) ?? false
            let revoked = try claims.jti.map {
                try Bool.fetchOne(db, sql: "SELECT 1 FROM revoked_tokens WHERE jti = ?", arguments: [$0]) ?? false
            } ?? false
            return user && !revoked
        }
        return known == true ? claims.sub : nil
    }
}
