import NIOCore
import RESP

/// A pub/sub message on the wire, encoded once however many receive it, straight from its
/// parts into one buffer. RESP2's form (`*3\r\n$7\r\nmessage\r\n...`) and RESP3's (`>3\r\n...`)
/// differ in their first byte only, so a RESP3 subscriber is sent a `>` and the rest of the
/// same bytes: no second encoding, and nothing to guard when subscribers on several loops
/// share the message.
struct PushMessage: Sendable {
    enum Kind {
        case message, patternMessage, shardMessage

        /// The kind's bulk string.
        var wireName: StaticString {
            switch self {
            case .message: "$7\r\nmessage\r\n"
            case .patternMessage: "$8\r\npmessage\r\n"
            case .shardMessage: "$8\r\nsmessage\r\n"
            }
        }
    }

    /// The RESP2 bytes.
    private let bytes: ByteBuffer

    private static let resp3Marker = ByteBuffer(string: ">")

    init(_ kind: Kind, _ channel: ByteBuffer, _ payload: ByteBuffer) {
        bytes = Self.encode(kind, count: 3, channel.readableBytes + payload.readableBytes) { buffer in
            buffer.writeRESPBulkString(channel)
            buffer.writeRESPBulkString(payload)
        }
    }

    init(_ kind: Kind, _ pattern: ByteBuffer, _ channel: ByteBuffer, _ payload: ByteBuffer) {
        bytes = Self.encode(kind, count: 4, pattern.readableBytes + channel.readableBytes + payload.readableBytes) { buffer in
            buffer.writeRESPBulkString(pattern)
            buffer.writeRESPBulkString(channel)
            buffer.writeRESPBulkString(payload)
        }
    }

    private static func encode(_ kind: Kind, count: Int, _ partBytes: Int, _ parts: (inout ByteBuffer) -> Void) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 4 + kind.wireName.utf8CodeUnitCount + partBytes + ByteBuffer.respBulkStringOverhead * (count - 1))
        buffer.writeInteger(UInt8(ascii: "*"))
        buffer.writeInteger(UInt8(ascii: "0") + UInt8(count))
        buffer.writeStaticString("\r\n")
        buffer.writeStaticString(kind.wireName)
        parts(&buffer)
        return buffer
    }

    /// Hands the message's bytes in `version` to `write`: one buffer for RESP2, two for RESP3.
    func write(for version: RESPVersion, to write: (ByteBuffer) -> Void) {
        switch version {
        case .resp2:
            write(bytes)
        case .resp3:
            write(Self.resp3Marker)
            write(bytes.getSlice(at: bytes.readerIndex + 1, length: bytes.readableBytes - 1)!)
        }
    }
}
