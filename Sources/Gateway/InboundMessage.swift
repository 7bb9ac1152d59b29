import Messages
import NIOCore

/// Reads an app's text frame: a JSON object with a string `action`, an object `data` (absent
/// means `{}`) and an optional `id` (string or number). Anything else is not a message.
enum InboundMessage {
    static func parse(_ payload: ByteBuffer) -> ClientMessage? {
        guard let value = try? JSONReader.parse(payload.readableBytesView),
              case .object(let fields) = value,
              case .string(let action)? = fields["action"], !action.isEmpty
        else { return nil }

        let data: JSONValue
        switch fields["data"] {
        case nil: data = .object([:])
        case .object(let object)?: data = .object(object)
        default: return nil
        }

        let id = fields["id"]
        switch id {
        case nil, .string?, .int?, .double?: break
        default: return nil
        }
        return ClientMessage(action: ActionName(rawValue: action), data: data, id: id)
    }
}
