import Crypto
import Foundation

/// Signs and verifies HS256 JSON Web Tokens with one shared secret.
///
/// Verification is strict: the header must say `HS256` (so `none` and every other algorithm
/// are refused before any signature check), the signature is compared in constant time, `sub`
/// and `exp` are required, and `nbf`, `iat` and `prv` are checked when present.
public struct HS256: Sendable {
    private let key: SymmetricKey
    /// Seconds of clock skew tolerated on `exp`, `nbf` and `iat`.
    public var leeway: Int
    /// Longer tokens are refused unread.
    public static let maximumTokenLength = 8192

    public init(secret: String, leeway: Int = 0) {
        self.key = SymmetricKey(data: Data(secret.utf8))
        self.leeway = leeway
    }

    public func sign(_ claims: TokenClaims) throws -> String {
        let header = Base64URL.encode(Data(#"{"typ":"JWT","alg":"HS256"}"#.utf8))
        let payload = Base64URL.encode(try JSONEncoder().encode(claims))
        let signingInput = header + "." + payload
        let signature = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: key)
        return signingInput + "." + Base64URL.encode(Data(signature))
    }

    /// Checks the token completely: `verifySignature`, then `checkTimes`.
    /// - Parameter expiredGrace: seconds past `exp` during which the token still verifies, for
    ///   jwt-auth's refresh (which accepts an expired token within its refresh TTL).
    public func verify(_ token: String, now: Date = Date(), expiredGrace: Int = 0) throws(TokenError) -> TokenClaims {
        let claims = try verifySignature(token)
        try checkTimes(claims, now: now, expiredGrace: expiredGrace)
        return claims
    }

    /// The claims of a token whose header, signature and claim types are right, whatever the
    /// time. A cache of verified tokens calls `checkTimes` on every use.
    public func verifySignature(_ token: String) throws(TokenError) -> TokenClaims {
        guard token.utf8.count <= Self.maximumTokenLength else { throw .malformed }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let headerData = Base64URL.decode(parts[0]),
              let payloadData = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2])
        else { throw .malformed }

        guard let header = try? JSONDecoder().decode(Header.self, from: headerData) else { throw .malformed }
        guard header.alg == "HS256" else { throw .unsupportedAlgorithm(header.alg) }
        if let type = header.typ, type.uppercased() != "JWT" { throw .malformed }

        let signingInput = Data(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        guard HMAC<SHA256>.isValidAuthenticationCode(signature, authenticating: signingInput, using: key) else {
            throw .badSignature
        }

        guard let claims = try? JSONDecoder().decode(TokenClaims.self, from: payloadData) else { throw .invalidClaims }
        if let prv = claims.prv, prv != TokenClaims.laravelUserModelHash { throw .wrongSubjectModel }
        return claims
    }

    /// `exp` (plus `expiredGrace`), `nbf` and `iat` against `now`, with `leeway`.
    public func checkTimes(_ claims: TokenClaims, now: Date = Date(), expiredGrace: Int = 0) throws(TokenError) {
        let seconds = Int(now.timeIntervalSince1970)
        guard seconds < claims.exp + leeway + expiredGrace else { throw .expired }
        if let nbf = claims.nbf, seconds + leeway < nbf { throw .notYetValid }
        if let iat = claims.iat, seconds + leeway < iat { throw .issuedInFuture }
    }

    private struct Header: Decodable {
        var alg: String
        var typ: String?
    }
}

/// Base64url without padding (RFC 7515 section 2).
enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Straight from the text's bytes: every handshake decodes three parts, and rewriting the
    /// alphabet into Base64's first took about 50 allocations. As lenient as Foundation's
    /// decoder about the unused bits of the last character.
    static func decode(_ text: Substring) -> Data? {
        let count = text.utf8.count
        guard count > 0, count % 4 != 1 else { return nil }
        var data = Data(count: count * 6 / 8)
        let decoded = data.withUnsafeMutableBytes { (output: UnsafeMutableRawBufferPointer) -> Bool in
            var accumulator: UInt32 = 0, bits = 0, written = 0
            for byte in text.utf8 {
                guard let value = sextet(byte) else { return false }
                accumulator = accumulator << 6 | UInt32(value)
                bits += 6
                if bits >= 8 {
                    bits -= 8
                    output[written] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                    written += 1
                }
            }
            return true
        }
        return decoded ? data : nil
    }

    /// The six bits a character of the base64url alphabet stands for.
    private static func sextet(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
