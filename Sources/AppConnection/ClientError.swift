/// Why talking to the stack failed, in words for a person.
public enum ClientError: Error, CustomStringConvertible {
    case timeout(Double)
    case refused(code: Int, reason: String)
    case closed
    case step(String)

    public var description: String {
        switch self {
        case .timeout(let seconds): "timed out after \(seconds) s"
        case .refused(let code, let reason): "connection refused: \(code) \(reason)"
        case .closed: "the gateway closed the connection"
        case .step(let text): text
        }
    }
}
