import Messages
import NIOCore
import NIOWebSocket

/// RFC 6455 frames, read and written by the socket's own handler (the gateway's `WebSocketSession`) rather than by a decoder and
/// an encoder handler on every socket: an idle socket holds two handlers fewer, and a message
/// costs no pipeline hop, no `NIOAny` and (written) one buffer.
public enum WebSocketFrameCodec {
    public enum ReadError: Error, Equatable {
        /// A frame longer than the limit (close 1009).
        case tooBig
        /// A frame RFC 6455 forbids (close 1002).
        case protocolError
    }

    /// The next whole frame at the reader index, its payload unmasked; nil, with nothing
    /// consumed, until all of it has arrived. A frame over `maxPayload` is refused from its
    /// header, before its payload is read.
    public static func readFrame(from buffer: inout ByteBuffer, maxPayload: Int) throws(ReadError) -> WebSocketFrame? {
        let start = buffer.readerIndex
        guard let first = buffer.getInteger(at: start, as: UInt8.self),
              let second = buffer.getInteger(at: start + 1, as: UInt8.self) else { return nil }
        // No extension is negotiated, so the reserved bits must be clear; opcodes 3-7 and
        // 0xB-0xF are reserved.
        let code = first & 0x0F
        guard first & 0x70 == 0, code <= 0x2 || (0x8...0xA).contains(code),
              let opcode = WebSocketOpcode(encodedWebSocketOpcode: code) else {
            throw .protocolError
        }
        // Clients must mask every frame (RFC 6455, 5.1).
        let masked = second & 0x80 != 0
        guard masked else { throw .protocolError }
        let fin = first & 0x80 != 0
        var headerLength = 2
        var length = Int(second & 0x7F)
        if length == 126 {
            guard let extended = buffer.getInteger(at: start + 2, as: UInt16.self) else { return nil }
            length = Int(extended)
            headerLength = 4
        } else if length == 127 {
            guard let extended = buffer.getInteger(at: start + 2, as: UInt64.self) else { return nil }
            // The most significant bit must be 0.
            guard extended <= UInt64(Int64.max) else { throw .protocolError }
            length = extended > UInt64(maxPayload) ? maxPayload + 1 : Int(extended)
            headerLength = 10
        }
        if opcode.isControlOpcode {
            guard fin, length <= 125 else { throw .protocolError }
        }
        guard length <= maxPayload else { throw .tooBig }
        let maskOffset = start + headerLength
        headerLength += 4
        guard buffer.readableBytes >= headerLength + length else { return nil }
        var payload = buffer.getSlice(at: start + headerLength, length: length)!
        // Read as a number: no array, and nothing to allocate for the key.
        PayloadMasking.apply(buffer.getInteger(at: maskOffset, as: UInt32.self)!, to: &payload)
        buffer.moveReaderIndex(forwardBy: headerLength + length)
        return WebSocketFrame(fin: fin, opcode: opcode, data: payload)
    }

    /// The code of a peer's close frame: 1000 for none; nil for a payload of one byte, a code
    /// RFC 6455 (7.4) does not let an endpoint send (1004-1006, 1015, below 1000, 1016-2999) or
    /// a reason that is not UTF-8.
    public static func peerCloseCode(_ payload: ByteBuffer) -> UInt16? {
        guard payload.readableBytes > 0 else { return 1000 }
        guard let code = payload.getInteger(at: payload.readerIndex, as: UInt16.self),
              UTF8Validator.isValid(payload.getSlice(at: payload.readerIndex + 2, length: payload.readableBytes - 2) ?? ByteBuffer()) else { return nil }
        switch code {
        case 1000...1003, 1007...1014, 3000...4999: return code
        default: return nil
        }
    }

    /// The answer to a peer's close frame: the same code back (RFC 6455, 5.5.1); nil when the
    /// peer's close is itself invalid (answer 1002).
    public static func closeEcho(of payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard let code = peerCloseCode(payload) else { return nil }
        var reply = allocator.buffer(capacity: 2)
        reply.writeInteger(code)
        return frame(.connectionClose, payload: reply, allocator: allocator)
    }

    /// A whole, unmasked server frame: header and payload in one buffer, ready to write to any
    /// number of sockets.
    public static func frame(_ opcode: WebSocketOpcode, payload: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer {
        var frame = allocator.buffer(capacity: payload.readableBytes + 10)
        writeHeader(opcode, length: payload.readableBytes, to: &frame)
        frame.writeImmutableBuffer(payload)
        return frame
    }

    public static func frame(_ opcode: WebSocketOpcode, payload: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        var frame = allocator.buffer(capacity: payload.count + 10)
        writeHeader(opcode, length: payload.count, to: &frame)
        frame.writeBytes(payload)
        return frame
    }

    /// FIN set, not masked, the shortest length form.
    private static func writeHeader(_ opcode: WebSocketOpcode, length: Int, to frame: inout ByteBuffer) {
        frame.writeInteger(0x80 | UInt8(webSocketOpcode: opcode))
        switch length {
        case ..<126:
            frame.writeInteger(UInt8(length))
        case ...Int(UInt16.max):
            frame.writeInteger(UInt8(126))
            frame.writeInteger(UInt16(length))
        default:
            frame.writeInteger(UInt8(127))
            frame.writeInteger(UInt64(length))
        }
    }

    /// A close frame with its code and reason.
    public static func closeFrame(_ reason: CloseReason, allocator: ByteBufferAllocator) -> ByteBuffer {
        var payload = allocator.buffer(capacity: 2 + reason.reason.utf8.count)
        payload.write(webSocketErrorCode: WebSocketErrorCode(codeNumber: Int(reason.code)))
        payload.writeString(reason.reason)
        return frame(.connectionClose, payload: payload, allocator: allocator)
    }
}
