import AccessTokens
import Foundation
import Messages
import NIOHTTP1

/// Decides, from the upgrade request alone, who a new WebSocket belongs to.
struct ConnectionAuthenticator: Sendable {
    enum Outcome: Sendable, Equatable {
        case accepted(userID: Int, token: String, expiresAt: Int)
        case refused(CloseReason)
    }

    let verifier: HS256

    /// The token from `?token=` (any path) or, failing that, `Authorization: Bearer`.
    static func token(in head: HTTPRequestHead) -> String? {
        if let query = URLComponents(string: head.uri)?.queryItems,
           let token = query.first(where: { $0.name == "token" })?.value, !token.isEmpty {
            return token
        }
        for value in head.headers[canonicalForm: "authorization"] {
            let parts = value.split(separator: " ", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                let token = parts[1].trimmingCharacters(in: .whitespaces)
                if !token.isEmpty { return token }
            }
        }
        return nil
    }

    func authenticate(_ head: HTTPRequestHead, now: Date = Date()) -> Outcome {
        guard let token = Self.token(in: head) else { return .refused(.authenticationRequired) }
        do {
            let claims = try verifier.verify(token, now: now)
            return .accepted(userID: claims.sub, token: token, expiresAt: claims.exp)
        } catch {
            return .refused(.invalidToken)
        }
    }
}
