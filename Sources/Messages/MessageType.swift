/// The `type` field that tags every message the app receives (spec section 4).
public enum MessageType: String, Codable, Sendable, CaseIterable {
    case connected, response, notification, error
    case sessionUpdate = "session_update"
    case chargerUpdate = "charger_update"
}

enum TypeKey: String, CodingKey { case type }

extension Decoder {
    /// Fails unless the message's `type` is `expected`, so one shape never decodes as another.
    func expectType(_ expected: MessageType) throws {
        let container = try container(keyedBy: TypeKey.self)
        let found = try container.decode(String.self, forKey: .type)
        guard found == expected.rawValue else {
            throw DecodingError.dataCorruptedError(
                forKey: .type, in: container, debugDescription: "expected type \(expected.rawValue), found \(found)")
        }
    }
}
