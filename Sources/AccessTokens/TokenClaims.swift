import Foundation

/// The claims of a token as Laravel's jwt-auth issues them. Times are seconds since 1970.
public struct TokenClaims: Codable, Sendable, Equatable {
    /// The user id. jwt-auth writes it as a string, test tools often as a number: both read.
    public var sub: Int
    public var exp: Int
    public var nbf: Int?
    public var iat: Int?
    public var jti: String?
    public var iss: String?
    public var prv: String?

    public init(sub: Int, exp: Int, nbf: Int? = nil, iat: Int? = nil, jti: String? = nil, iss: String? = nil, prv: String? = nil) {
        self.sub = sub
        self.exp = exp
        self.nbf = nbf
        self.iat = iat
        self.jti = jti
        self.iss = iss
        self.prv = prv
    }

    /// The full jwt-auth claim set for `userID`, valid from `now` for `ttl` seconds.
    public static func laravel(userID: Int, issuer: String, ttl: Int, now: Date = Date()) -> TokenClaims {
        let issuedAt = Int(now.timeIntervalSince1970)
        return TokenClaims(
            sub: userID, exp: issuedAt + ttl, nbf: issuedAt, iat: issuedAt,
            jti: randomTokenID(), iss: issuer, prv: laravelUserModelHash)
    }

    /// jwt-auth's `prv`: SHA-1 of the user model's class name, here Laravel's default model.
    public static let laravelUserModelHash = "23bd5c8949f600adb39e701c400872db7a5976f7"

    enum CodingKeys: String, CodingKey { case sub, exp, nbf, iat, jti, iss, prv }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sub = try Self.decodeSubject(container)
        exp = try Self.decodeTime(container, .exp)
        nbf = container.contains(.nbf) ? try Self.decodeTime(container, .nbf) : nil
        iat = container.contains(.iat) ? try Self.decodeTime(container, .iat) : nil
        jti = try container.decodeIfPresent(String.self, forKey: .jti)
        iss = try container.decodeIfPresent(String.self, forKey: .iss)
        prv = try container.decodeIfPresent(String.self, forKey: .prv)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(iss, forKey: .iss)
        try container.encodeIfPresent(iat, forKey: .iat)
        try container.encode(exp, forKey: .exp)
        try container.encodeIfPresent(nbf, forKey: .nbf)
        try container.encodeIfPresent(jti, forKey: .jti)
        try container.encode(String(sub), forKey: .sub)
        try container.encodeIfPresent(prv, forKey: .prv)
    }

    private static func decodeSubject(_ container: KeyedDecodingContainer<CodingKeys>) throws -> Int {
        let subject: Int?
        if let number = try? container.decode(Int.self, forKey: .sub) {
            subject = number
        } else {
            subject = Int(try container.decode(String.self, forKey: .sub))
        }
        guard let subject, subject > 0 else {
            throw DecodingError.dataCorruptedError(forKey: .sub, in: container, debugDescription: "sub is not a user id")
        }
        return subject
    }

    /// NumericDate: an integer or a float, as RFC 7519 allows.
    private static func decodeTime(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> Int {
        if let value = try? container.decode(Int.self, forKey: key) { return value }
        let value = try container.decode(Double.self, forKey: key)
        guard value.isFinite, abs(value) < 1e15 else {
            throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "not a time")
        }
        return Int(value.rounded(.down))
    }

    static func randomTokenID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return String((0..<16).map { _ in alphabet.randomElement()! })
    }
}
