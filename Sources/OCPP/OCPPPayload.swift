import Messages

/// A payload of an OCPP 1.6 message with the schema it must meet, on the way in and out.
public protocol OCPPPayload: Codable, Sendable, Equatable {
    static var schema: OCPPSchema { get }
}

/// A request (the payload of a CALL) and the type of its answer (the CALLRESULT's payload).
public protocol OCPPRequest: OCPPPayload {
    associatedtype Response: OCPPPayload
    static var action: OCPPAction { get }
}

extension OCPPPayload {
    /// The payload checked against the schema, then as this type.
    public init(validating json: JSONValue) throws(OCPPError) {
        if let violation = Self.schema.violation(of: json) { throw violation }
        do {
            self = try json.decode(as: Self.self)
        } catch {
            // The schema and the type disagree: ours to fix, not the peer's.
            throw OCPPError(.internalError, "The payload met the schema but could not be read: \(error)")
        }
    }

    /// The payload as JSON, checked against the schema: a message this side would send wrong
    /// is refused before it leaves.
    public func validatedJSON() throws(OCPPError) -> JSONValue {
        let json: JSONValue
        do {
            json = try JSONValue(encoding: self)
        } catch {
            throw OCPPError(.internalError, "The payload could not be written: \(error)")
        }
        if let violation = Self.schema.violation(of: json) {
            throw OCPPError(.internalError, "\(Self.self) breaks its schema: \(violation.errorDescription)")
        }
        return json
    }
}

/// A payload with no fields (`{}`): Heartbeat, ClearCache and several answers.
public struct EmptyPayload: OCPPPayload {
    public init() {}
    public static let schema = OCPPSchema.object([])
}
