import HopTrace
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
    /// This project's extension: the app's W3C `traceparent`, which the action's hops continue
    /// (one that is not valid starts a new trace, as W3C says).
    var traceparent: TraceParent? = nil
}

/// Reads an app's text frame: a JSON object with a string `action`, an object `data` (absent
/// means `{}`) and an optional `id` (string or number). Anything else is not a message. A key
/// given twice counts once, with its last value, as in any JSON object the gateway reads.
enum InboundMessage {
    /// `data` when the app sent none: one buffer for all of them.
    private static let emptyObject = ByteBuffer(staticString: "{}")

    static func parse(_ payload: ByteBuffer) -> InboundAction? {
        payload.withUnsafeReadableBytes { bytes -> InboundAction? in
            guard let members = (try? JSONReader.members(of: bytes)) ?? nil else { return nil }
            // Only the last value of a repeated key counts, valid or not.
            var actionRange, dataRange, idRange, traceRange: Range<Int>?
            for member in members {
                switch member.key {
                case "action": actionRange = member.value
                case "data": dataRange = member.value
                case "id": idRange = member.value
                case "traceparent": traceRange = member.value
                default: continue
                }
            }
            func value(_ range: Range<Int>) -> JSONValue? { try? JSONReader.parse(UnsafeRawBufferPointer(rebasing: bytes[range])) }

            guard let actionRange, case .string(let action)? = value(actionRange), !action.isEmpty else { return nil }
            var data = Self.emptyObject
            if let dataRange {
                guard bytes[dataRange.lowerBound] == UInt8(ascii: "{") else { return nil }
                data = payload.getSlice(at: payload.readerIndex + dataRange.lowerBound, length: dataRange.count)!
            }
            var id: JSONValue?
            if let idRange {
                guard let given = value(idRange), given.isNumberOrString else { return nil }
                id = given
            }
            var traceparent: TraceParent?
            if let traceRange, case .string(let header)? = value(traceRange) { traceparent = TraceParent(header) }
            return InboundAction(action: ActionName(rawValue: action), data: data, id: id, traceparent: traceparent)
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
