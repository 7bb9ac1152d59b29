import Messages

/// One OCPP-J message as it travels in a WebSocket text frame: a CALL `[2, id, action,
/// payload]`, its CALLRESULT `[3, id, payload]` or its CALLERROR `[4, id, code, description,
/// details]`.
public enum OCPPMessage: Sendable, Equatable {
    case call(id: String, action: String, payload: JSONValue)
    case callResult(id: String, payload: JSONValue)
    case callError(id: String, error: OCPPError)

    /// OCPP-J's limit on a message's unique id.
    public static let maximumIDLength = 36

    /// The id a CALLERROR carries when the message it answers has no readable id (OCPP-J 2.0.1's
    /// rule; 1.6 says nothing).
    public static let unknownID = "-1"

    public var id: String {
        switch self {
        case .call(let id, _, _), .callResult(let id, _), .callError(let id, _): id
        }
    }

    /// A message that is not valid OCPP-J, and the CALLERROR to answer it with when it was (or may
    /// have been) a CALL. A broken CALLRESULT or CALLERROR gets no answer: OCPP answers CALLs only.
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public var reply: OCPPMessage?
        public var error: OCPPError

        public var description: String { error.description }
    }

    public static func parse(_ text: String) throws(Malformed) -> OCPPMessage {
        try parse(Array(text.utf8))
    }

    public static func parse(_ bytes: some Collection<UInt8>) throws(Malformed) -> OCPPMessage {
        func malformed(_ code: OCPPErrorCode, _ reason: String, id: String = unknownID, answer: Bool = true) -> Malformed {
            let error = OCPPError(code, reason)
            return Malformed(reply: answer ? .callError(id: id, error: error) : nil, error: error)
        }
        guard let json = try? JSONReader.parse(bytes) else {
            throw malformed(.formationViolation, "The message is not valid JSON")
        }
        guard case .array(let elements) = json, !elements.isEmpty else {
            throw malformed(.formationViolation, "An OCPP-J message is a JSON array [MessageTypeId, UniqueId, ...]")
        }
        guard case .int(let type) = elements[0] else {
            throw malformed(.formationViolation, "The MessageTypeId must be the integer 2, 3 or 4")
        }
        // Only a CALL is answered; a message of an unknown type may have been one.
        let answer = type == 2 || ![3, 4].contains(type)
        guard elements.count >= 2, case .string(let id) = elements[1] else {
            throw malformed(.formationViolation, "The UniqueId must be a string", answer: answer)
        }
        guard !id.isEmpty, id.utf8.count <= maximumIDLength else {
            throw malformed(.formationViolation, "The UniqueId must be 1 to \(maximumIDLength) characters", answer: answer)
        }
        switch type {
        case 2:
            guard elements.count == 4, case .string(let action) = elements[2] else {
                throw malformed(.formationViolation, "A CALL is [2, UniqueId, Action, Payload]", id: id)
            }
            guard case .object = elements[3] else {
                throw malformed(.formationViolation, "The payload of a CALL must be a JSON object", id: id)
            }
            return .call(id: id, action: action, payload: elements[3])
        case 3:
            guard elements.count == 3, case .object = elements[2] else {
                throw malformed(.formationViolation, "A CALLRESULT is [3, UniqueId, Payload] with an object payload", answer: false)
            }
            return .callResult(id: id, payload: elements[2])
        case 4:
            guard elements.count == 5, case .string(let code) = elements[2], case .string(let text) = elements[3],
                  case .object(let details) = elements[4] else {
                throw malformed(.formationViolation, "A CALLERROR is [4, UniqueId, ErrorCode, ErrorDescription, ErrorDetails]", answer: false)
            }
            // An unknown code from the peer is kept as a generic one; the text says what it was.
            let known = OCPPErrorCode(rawValue: code)
            return .callError(id: id, error: OCPPError(
                known ?? .genericError, known == nil ? "\(code): \(text)" : text, details: details))
        default:
            throw malformed(.propertyConstraintViolation, "MessageTypeId \(type) is not 2, 3 or 4", id: id)
        }
    }

    public var json: JSONValue {
        switch self {
        case .call(let id, let action, let payload): [2, .string(id), .string(action), payload]
        case .callResult(let id, let payload): [3, .string(id), payload]
        case .callError(let id, let error):
            [4, .string(id), .string(error.code.rawValue), .string(error.errorDescription), .object(error.details)]
        }
    }

    public var text: String { JSONWriter.string(json) }
}
