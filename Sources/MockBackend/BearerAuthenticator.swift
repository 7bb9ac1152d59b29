import AccessTokens
import Crypto
import Foundation
import GRDB
import Hummingbird

/// A bearer token that passed every check, and the user it names.
struct AuthenticatedToken: Sendable {
    var userID: Int
    var claims: TokenClaims
    /// The `jti`, or a digest of the token when it has none, so any token can be revoked.
    var revocationKey: String
}

/// jwt-auth's guard: an HS256 token signed with `JWT_SECRET`, within `nbf`/`exp`, naming a
/// known user, not revoked by a logout or a refresh.
struct BearerAuthenticator: Sendable {
    let verifier: HS256
    let database: BackendDatabase

    /// - Parameter expiredGrace: seconds past `exp` still accepted (refresh only).
    func authenticate(_ request: Request, expiredGrace: Int = 0) async -> AuthenticatedToken? {
        guard let token = Self.bearerToken(request),
              let claims = try? verifier.verify(token, expiredGrace: expiredGrace)
        else { return nil }
        let key = claims.jti ?? SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
        let valid = try? await database.read { db in
            let known = try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE id = ?", arguments: [claims.sub]) != nil
            let revoked = try Bool.fetchOne(db, sql: "SELECT 1 FROM revoked_tokens WHERE jti = ?", arguments: [key]) != nil
            return known && !revoked
        }
        return valid == true ? AuthenticatedToken(userID: claims.sub, claims: claims, revocationKey: key) : nil
    }

    /// Revokes a token until it would have expired anyway; forgets revocations that are past it.
    func revoke(_ token: AuthenticatedToken, keepFor grace: Int = 0) async throws {
        let now = Int(Date().timeIntervalSince1970)
        try await database.write { db in
            try db.execute(sql: "DELETE FROM revoked_tokens WHERE expires_at < ?", arguments: [now])
            try db.execute(
                sql: "INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES (?, ?)",
                arguments: [token.revocationKey, token.claims.exp + grace])
        }
    }

    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.count > 7,
              header.prefix(7).lowercased() == "bearer "
        else { return nil }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
