/// Why the gateway closes a WebSocket: the close code and reason text the app sees.
public struct CloseReason: Sendable, Equatable, CustomStringConvertible {
    public var code: UInt16
    public var reason: String

    public init(code: UInt16, reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code) \(reason)" }

    // The spec's refusals.
    public static let authenticationRequired = CloseReason(code: 1008, reason: "Authentication required")
    public static let invalidToken = CloseReason(code: 1008, reason: "Invalid authentication token")
    public static let serverAtCapacity = CloseReason(code: 1008, reason: "Server at capacity")

    // This project's, documented in the README.
    public static let tokenExpired = CloseReason(code: 1008, reason: "Token expired")
    public static let slowConsumer = CloseReason(code: 1008, reason: "Slow consumer")
    public static let messageTooBig = CloseReason(code: 1009, reason: "Message too big")
    public static let protocolError = CloseReason(code: 1002, reason: "Protocol error")
    public static let invalidUTF8 = CloseReason(code: 1007, reason: "Invalid UTF-8")
    public static let goingAway = CloseReason(code: 1001, reason: "Server shutting down")
    public static let heartbeatTimeout = CloseReason(code: 1001, reason: "Heartbeat timeout")
}
