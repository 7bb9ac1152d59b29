/// Why a token was refused. The text never includes the token itself.
public enum TokenError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed
    case unsupportedAlgorithm(String)
    case badSignature
    case expired
    case notYetValid
    case issuedInFuture
    case invalidClaims
    case wrongSubjectModel

    public var description: String {
        switch self {
        case .malformed: "malformed token"
        case .unsupportedAlgorithm(let alg): "unsupported algorithm \(alg.prefix(16))"
        case .badSignature: "bad signature"
        case .expired: "token expired"
        case .notYetValid: "token not yet valid"
        case .issuedInFuture: "token issued in the future"
        case .invalidClaims: "missing or invalid claims"
        case .wrongSubjectModel: "token issued for another user model"
        }
    }
}
