import Messages

/// The error codes of OCPP-J 1.6 (section 4.2.3), spelled as the specification spells them
/// (`OccurenceConstraintViolation` has one "r" in 1.6).
public enum OCPPErrorCode: String, Sendable, Codable, CaseIterable {
    /// The action is not known to the receiver.
    case notImplemented = "NotImplemented"
    /// The action is known but not supported by the receiver.
    case notSupported = "NotSupported"
    /// The receiver failed while processing the action.
    case internalError = "InternalError"
    /// The payload for the action is incomplete.
    case protocolError = "ProtocolError"
    /// The sender is not allowed to do this.
    case securityError = "SecurityError"
    /// The payload is not syntactically valid, or does not have the action's structure.
    case formationViolation = "FormationViolation"
    /// A field holds a value its definition does not allow (an enumeration, a format).
    case propertyConstraintViolation = "PropertyConstraintViolation"
    /// A field occurs too few or too many times (a required field missing, an empty list).
    case occurrenceConstraintViolation = "OccurenceConstraintViolation"
    /// A field has the wrong data type, or is longer than its `CiStringNType` allows.
    case typeConstraintViolation = "TypeConstraintViolation"
    /// Any other error.
    case genericError = "GenericError"
}

/// A CALLERROR: the answer to a CALL that failed, with the code, a description for people,
/// and details (a JSON object, empty when there are none).
public struct OCPPError: Error, Sendable, Equatable, CustomStringConvertible {
    public var code: OCPPErrorCode
    public var errorDescription: String
    public var details: [String: JSONValue]

    public init(_ code: OCPPErrorCode, _ errorDescription: String, details: [String: JSONValue] = [:]) {
        self.code = code
        self.errorDescription = errorDescription
        self.details = details
    }

    public var description: String { "\(code.rawValue): \(errorDescription)" }
}
