import AccessTokens
import Crypto
import Foundation
import GRDB
import Hummingbird
import NIOConcurrencyHelpers

/// A bearer token that passed every check, and the user it names.
struct AuthenticatedToken: Sendable {
    var userID: Int
    var claims: TokenClaims
    /// The `jti`, or a digest of the token when it has none, so any token can be revoked.
    var revocationKey: String
}

/// jwt-auth's guard: an HS256 token signed with `JWT_SECRET`, within `nbf`/`exp`, naming a
/// known user, not revoked by a logout or a refresh.
///
/// A gateway sends the same token with every action, so verified signatures, known users and
/// revocations are kept in memory. Every write to users and revoked tokens goes through this
/// process, so the memory cannot disagree with the database (edit it by hand, and restart).
final class BearerAuthenticator: Sendable {
    private struct Verified {
        var claims: TokenClaims
        var revocationKey: String
    }

    private struct State {
        var verified: [String: Verified] = [:]
        var knownUsers: Set<Int> = []
        var revoked: Set<String> = []
    }

    private let verifier: HS256
    private let database: BackendDatabase
    private let state: NIOLockedValueBox<State>
    /// Tokens whose signature is remembered; past it the memory starts again.
    private let capacity = 10_000

    init(verifier: HS256, database: BackendDatabase) throws {
        self.verifier = verifier
        self.database = database
        let now = Int(Date().timeIntervalSince1970)
        let revoked = try database.read { db in
            try String.fetchAll(db.cached("SELECT jti FROM revoked_tokens WHERE expires_at >= ?"), arguments: [now])
        }
        state = NIOLockedValueBox(State(revoked: Set(revoked)))
    }

    /// - Parameter expiredGrace: seconds past `exp` still accepted (refresh only).
    func authenticate(_ request: Request, expiredGrace: Int = 0) -> AuthenticatedToken? {
        guard let token = Self.bearerToken(request), let verified = verify(token) else { return nil }
        guard (try? verifier.checkTimes(verified.claims, expiredGrace: expiredGrace)) != nil else { return nil }
        let userID = verified.claims.sub
        let (known, revoked) = state.withLockedValue { ($0.knownUsers.contains(userID), $0.revoked.contains(verified.revocationKey)) }
        guard !revoked, known || isUser(userID) else { return nil }
        return AuthenticatedToken(userID: userID, claims: verified.claims, revocationKey: verified.revocationKey)
    }

    /// Forgets every remembered user and revocation (the database was reset under it).
    func forgetAll() {
        state.withLockedValue { $0 = State() }
    }

    /// Revokes a token until it would have expired anyway; forgets revocations that are past it.
    func revoke(_ token: AuthenticatedToken, keepFor grace: Int = 0) throws {
        let now = Int(Date().timeIntervalSince1970)
        try database.write { db in
            try db.run(sql: "DELETE FROM revoked_tokens WHERE expires_at < ?", arguments: [now])
            try db.run(
                sql: "INSERT OR IGNORE INTO revoked_tokens (jti, expires_at) VALUES (?, ?)",
                arguments: [token.revocationKey, token.claims.exp + grace])
        }
        state.withLockedValue { _ = $0.revoked.insert(token.revocationKey) }
    }

    private func verify(_ token: String) -> Verified? {
        if let verified = state.withLockedValue({ $0.verified[token] }) { return verified }
        guard let claims = try? verifier.verifySignature(token) else { return nil }
        let key = claims.jti ?? SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
        let verified = Verified(claims: claims, revocationKey: key)
        state.withLockedValue { state in
            if state.verified.count >= capacity { state.verified.removeAll(keepingCapacity: true) }
            state.verified[token] = verified
        }
        return verified
    }

    private func isUser(_ userID: Int) -> Bool {
        let exists = (try? database.read { db in try Bool.fetchOne(db.cached("SELECT 1 FROM users WHERE id = ?"), arguments: [userID]) }) != nil
        if exists { state.withLockedValue { _ = $0.knownUsers.insert(userID) } }
        return exists
    }

    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization]?.utf8, header.count > 7,
              String(decoding: header.prefix(7), as: UTF8.self).lowercased() == "bearer "
        else { return nil }
        let isSpace = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        let token = header.dropFirst(7).drop(while: isSpace).reversed().drop(while: isSpace).reversed()
        return token.isEmpty ? nil : String(decoding: token, as: UTF8.self)
    }
}
