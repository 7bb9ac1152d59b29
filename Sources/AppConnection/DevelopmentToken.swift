import AccessTokens

/// Tokens minted with the stack's secret, as Laravel's jwt-auth would issue them.
public enum DevelopmentToken {
    /// A token as the backend's login would issue it, valid for `ttl` seconds (a day).
    public static func mint(userID: Int, secret: String, ttl: Int = 86_400) throws -> String {
        try HS256(secret: secret).sign(TokenClaims.laravel(userID: userID, issuer: "client", ttl: ttl))
    }
}
