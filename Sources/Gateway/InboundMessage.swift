import Messages
import NIOCore

/// An app's action, read from its text frame. `data` stays the bytes the app sent: the backend
/// gets every field as it was written, known to the gateway or not.
struct InboundAction: Equatable {
    let action: ActionName
    /// A JSON object (`{}` when the app sent none).
    let data: ByteBuffer
    /// This project's extension: given back in the `response`.
    let id: JSONValue?
}

/// Reads an app's text frame: a JSON object with a string `action`, an object `data` (absent
/// means `{}`) and an optional `id` (string or number). Anything else is not a message. A key
/// given twice counts once, with its last value, as in any JSON object the gateway reads.
enum InboundMessage {
    static func parse(_ payload: ByteBuffer) -> InboundAction? {
        payload.withUnsafeReadableBytes { bytes -> InboundAction? in
            guard let members = (try? JSONReader.members(of: bytes)) ?? nil else { return nil }
            var action: String?
            var data = ByteBuffer(staticString: "{}")
            var id: JSONValue?
            // Only the last value of a repeated key counts, valid or not.
            var last: [String: Range<Int>] = [:]
            for member in members where ["action", "data", "id"].contains(member.key) { last[member.key] = member.value }
            for (key, range) in last {
                let value = UnsafeRawBufferPointer(rebasing: bytes[range])
                switch key {
                case "action":
                    guard case .string(let text)? = try? JSONReader.parse(value), !text.isEmpty else { return nil }
                    action = text
                case "data":
                    guard value.first == UInt8(ascii: "{") else { return nil }
                    data = payload.getSlice(at: payload.readerIndex + range.lowerBound, length: range.count)!
                case "id":
                    switch try? JSONReader.parse(value) {
                    case let number? where number.isNumberOrString: id = number
                    default: return nil
                    }
                default:
                    continue
                }
            }
            guard let action else { return nil }
            return InboundAction(action: ActionName(rawValue: action), data: data, id: id)
        }
    }
}

private extension JSONValue {
    var isNumberOrString: Bool {
        switch self {
        case .string, .int, .double: return true
        default: return false
        }
    }
}
