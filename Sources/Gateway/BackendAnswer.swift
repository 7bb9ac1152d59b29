import Messages
import NIOCore
import WebSocketWire

/// What the backend (or the gateway, for it) answered an action, ready to become the app's
/// `response`. A success keeps the backend's `data` object as the bytes it came in: the app
/// gets its fields unchanged, without a round trip through `JSONValue`.
enum BackendAnswer: Equatable {
    /// `data`: the backend's `data` object (nil when there was none or it was not an object).
    case success(data: ByteBuffer?)
    case failure(error: String, message: String)

    var succeeded: Bool {
        if case .success = self { return true }
        return false
    }

    /// `error: message` of a failure, for the trace.
    var errorText: String? {
        if case .failure(let error, let message) = self { return "\(error): \(message)" }
        return nil
    }

    /// The `data` of the `response` (spec 4.2), as `BackendResponse.responseData` has it: the
    /// backend's `data` fields next to `success: true`, or `success: false` with `error` and
    /// `message`.
    func writeResponseData(to json: inout [UInt8]) {
        switch self {
        case .failure(let error, let message):
            json.append(contentsOf: #"{"error":"#.utf8)
            JSONWriter.writeString(error, to: &json)
            json.append(contentsOf: #","message":"#.utf8)
            JSONWriter.writeString(message, to: &json)
            json.append(contentsOf: #","success":false}"#.utf8)
        case .success(nil):
            json.append(contentsOf: #"{"success":true}"#.utf8)
        case .success(let data?):
            data.withUnsafeReadableBytes { bytes in
                let keys = (try? JSONReader.members(of: bytes))??.map(\.key) ?? []
                if keys.isEmpty {
                    json.append(contentsOf: #"{"success":true}"#.utf8)
                } else if keys.contains("success") {
                    // The backend's own `success` inside `data` gives way, as one object has one key.
                    var fields = (try? JSONReader.parse(bytes))?.objectValue ?? [:]
                    fields["success"] = .bool(true)
                    JSONWriter.write(.object(fields), to: &json)
                } else if let closing = bytes.lastIndex(of: UInt8(ascii: "}")) {
                    // The object without its closing brace, then one more member.
                    json.append(contentsOf: bytes[..<closing])
                    json.append(contentsOf: #","success":true}"#.utf8)
                }
            }
        }
    }

    /// The app's whole `response` message, framed: spec 4.2, plus the `id` the app sent, if any.
    func responseFrame(action: ActionName, id: JSONValue?, allocator: ByteBufferAllocator) -> ByteBuffer {
        var json: [UInt8] = []
        json.reserveCapacity(160 + (data?.readableBytes ?? 0))
        json.append(contentsOf: #"{"type":"response","action":"#.utf8)
        JSONWriter.writeString(action.rawValue, to: &json)
        json.append(contentsOf: #","data":"#.utf8)
        writeResponseData(to: &json)
        json.append(contentsOf: #","timestamp":"#.utf8)
        JSONWriter.writeString(Timestamp.now(), to: &json)
        if let id {
            json.append(contentsOf: #","id":"#.utf8)
            JSONWriter.write(id, to: &json)
        }
        json.append(UInt8(ascii: "}"))
        return WebSocketFrameCodec.frame(.text, payload: json, allocator: allocator)
    }

    private var data: ByteBuffer? {
        if case .success(let data) = self { return data }
        return nil
    }
}
