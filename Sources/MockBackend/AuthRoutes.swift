import AccessTokens
import Fleet
import Foundation
import GRDB
import Hummingbird
import Logging
import Messages
import NIOPosix
import LaravelValidation

/// `/api/auth/*` as jwt-auth's documented `AuthController` answers: login, me, refresh, logout.
struct AuthRoutes: Sendable {
    let database: BackendDatabase
    let authenticator: BearerAuthenticator
    let signer: HS256
    let issuer: String
    /// Minutes, as `JWT_TTL`.
    let tokenTTLMinutes: Int
    /// Minutes past expiry during which a token may still be refreshed (`JWT_REFRESH_TTL`, two weeks).
    let refreshTTLMinutes = 20160
    let logger: Logger

    var routes: [BackendRoute] {
        [
            BackendRoute(.post, "/api/auth/register", register),
            BackendRoute(.post, "/api/auth/login", login),
            BackendRoute(.get, "/api/auth/me", me),
            BackendRoute(.post, "/api/auth/me", me),
            BackendRoute(.post, "/api/auth/refresh", refresh),
            BackendRoute(.post, "/api/auth/logout", logout),
        ]
    }

    func login(_ request: Request) async -> Response {
        guard let fields = try? await RequestFields(request) else {
            return JSONResponse.message("The request body could not be read.", status: .badRequest)
        }
        var errors = ValidationErrors()
        let email = fields.requiredString("email", errors: &errors)
        let password = fields.requiredString("password", errors: &errors)
        if let email, !email.contains("@") {
            errors.add("email", "The email field must be a valid email address.")
        }
        guard errors.isEmpty, let email, let password else { return errors.response }

        let user = try? database.read { db -> (id: Int, hash: String)? in
            try Row.fetchOne(db, sql: "SELECT id, password_hash FROM users WHERE email = ? COLLATE NOCASE", arguments: [email])
                .map { ($0["id"], $0["password_hash"]) }
        }
        guard let user = user ?? nil, await PasswordHasher.verifyOffLoop(password, hash: user.hash) else {
            logger.info("login refused")
            return JSONResponse.make(["error": "Unauthorized"], status: .unauthorized)
        }
        let userID = user.id
        logger.info("login", metadata: ["user": "\(userID)"])
        return tokenResponse(userID: userID)
    }

    /// A new user (id tag `RFID<id>`), answered with a token as from login: 201.
    func register(_ request: Request) async -> Response {
        guard let fields = try? await RequestFields(request) else {
            return JSONResponse.message("The request body could not be read.", status: .badRequest)
        }
        var errors = ValidationErrors()
        let name = fields.requiredString("name", errors: &errors)
        let email = fields.requiredString("email", errors: &errors)
        let password = fields.requiredString("password", errors: &errors)
        if let name, name.count > 255 { errors.add("name", "The name field must not be greater than 255 characters.") }
        if let email, !email.contains("@") { errors.add("email", "The email field must be a valid email address.") }
        if let password, password.count < 8 { errors.add("password", "The password field must be at least 8 characters.") }
        if let password, let confirmation = fields.optionalString("password_confirmation"), confirmation != password {
            errors.add("password", "The password field confirmation does not match.")
        }
        guard errors.isEmpty, let name, let email, let password else { return errors.response }

        let hash = (try? await NIOThreadPool.singleton.runIfActive { PasswordHasher.hash(password) }) ?? ""
        let now = LaravelTime.now()
        let created: Int?
        do {
            created = try database.write { db -> Int? in
                guard try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE email = ? COLLATE NOCASE", arguments: [email]) == nil else {
                    return nil
                }
                try db.execute(
                    sql: "INSERT INTO users (name, email, password_hash, id_tag, created_at, updated_at) VALUES (?, ?, ?, '', ?, ?)",
                    arguments: [name, email, hash, now, now])
                let id = Int(db.lastInsertedRowID)
                try db.execute(sql: "UPDATE users SET id_tag = ? WHERE id = ?", arguments: [SeededUser.idTag(ofUser: id), id])
                return id
            }
        } catch {
            logger.error("could not register a user", metadata: ["error": "\(error)"])
            return JSONResponse.serverError
        }
        guard let userID = created else {
            errors.add("email", "The email has already been taken.")
            return errors.response
        }
        logger.info("registered", metadata: ["user": "\(userID)"])
        return tokenResponse(userID: userID, status: .created)
    }

    func me(_ request: Request) async -> Response {
        guard let token = authenticator.authenticate(request) else { return JSONResponse.unauthenticated }
        let user = try? database.read { db -> JSONValue? in
            guard let row = try Row.fetchOne(
                db, sql: "SELECT id, name, email, email_verified_at, created_at, updated_at FROM users WHERE id = ?",
                arguments: [token.userID])
            else { return nil }
            return [
                "id": .int(row["id"]),
                "name": .string(row["name"]),
                "email": .string(row["email"]),
                "email_verified_at": (row["email_verified_at"] as String?).map(JSONValue.string) ?? .null,
                "created_at": (row["created_at"] as String?).map(JSONValue.string) ?? .null,
                "updated_at": (row["updated_at"] as String?).map(JSONValue.string) ?? .null,
            ]
        }
        guard let json = user ?? nil else { return JSONResponse.unauthenticated }
        return JSONResponse.make(json)
    }

    /// A new token for the same user; the old one is revoked (jwt-auth's blacklist).
    func refresh(_ request: Request) async -> Response {
        let grace = refreshTTLMinutes * 60
        guard let token = authenticator.authenticate(request, expiredGrace: grace) else { return JSONResponse.unauthenticated }
        do {
            try authenticator.revoke(token, keepFor: grace)
        } catch {
            logger.error("could not revoke a refreshed token", metadata: ["error": "\(error)"])
            return JSONResponse.serverError
        }
        return tokenResponse(userID: token.userID)
    }

    func logout(_ request: Request) async -> Response {
        guard let token = authenticator.authenticate(request) else { return JSONResponse.unauthenticated }
        do {
            try authenticator.revoke(token)
        } catch {
            logger.error("could not revoke a token", metadata: ["error": "\(error)"])
            return JSONResponse.serverError
        }
        logger.info("logout", metadata: ["user": "\(token.userID)"])
        return JSONResponse.message("Successfully logged out", status: .ok)
    }

    private func tokenResponse(userID: Int, status: HTTPResponse.Status = .ok) -> Response {
        let ttl = tokenTTLMinutes * 60
        guard let token = try? signer.sign(TokenClaims.laravel(userID: userID, issuer: issuer, ttl: ttl)) else {
            return JSONResponse.serverError
        }
        let json: JSONValue = ["access_token": .string(token), "token_type": "bearer", "expires_in": .int(ttl)]
        return JSONResponse.make(json, status: status)
    }
}
