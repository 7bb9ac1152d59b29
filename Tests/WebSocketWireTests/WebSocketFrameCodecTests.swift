import Messages
import NIOCore
import NIOWebSocket
import Testing

@testable import WebSocketWire

/// Frames as RFC 6455 writes them, byte by byte.
@Suite("WebSocket frame codec")
struct WebSocketFrameCodecTests {
    /// A client frame: masked with `key`, as clients must send them.
    static func clientFrame(_ opcode: UInt8, _ payload: [UInt8], fin: Bool = true, key: [UInt8] = [1, 2, 3, 4],
                            first extraBits: UInt8 = 0) -> [UInt8] {
        var bytes: [UInt8] = [(fin ? 0x80 : 0) | extraBits | opcode]
        switch payload.count {
        case ..<126: bytes.append(0x80 | UInt8(payload.count))
        case ...0xFFFF: bytes += [0x80 | 126, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF)]
        default: bytes += [0x80 | 127] + (0..<8).reversed().map { UInt8((payload.count >> ($0 * 8)) & 0xFF) }
        }
        return bytes + key + payload.enumerated().map { $0.element ^ key[$0.offset % 4] }
    }

    static func read(_ bytes: [UInt8], max: Int = 1 << 20) throws(WebSocketFrameCodec.ReadError) -> (WebSocketFrame?, Int) {
        var buffer = ByteBuffer(bytes: bytes)
        let frame = try WebSocketFrameCodec.readFrame(from: &buffer, maxPayload: max)
        return (frame, buffer.readableBytes)
    }

    @Test(arguments: [0, 1, 125, 126, 65_535, 65_536, 100_000])
    func maskedFramesOfEveryLengthForm(length: Int) throws {
        let payload = (0..<length).map { UInt8($0 % 251) }
        let (frame, left) = try Self.read(Self.clientFrame(0x2, payload))
        #expect(frame?.opcode == .binary)
        #expect(frame?.fin == true)
        #expect(frame.map { Array($0.data.readableBytesView) } == payload)
        #expect(left == 0)
    }

    /// Eight bytes at a time, then the tail: every length around a word's edge, any key, and a
    /// payload that does not start at the buffer's first byte.
    @Test(arguments: Array(0...19) + [4_093])
    func masksLikeRFC6455ByteByByte(length: Int) {
        let key: [UInt8] = [0xA7, 0x01, 0xFE, 0x3C]
        let payload = (0..<length).map { UInt8(($0 * 37 + 11) % 256) }
        var buffer = ByteBuffer(bytes: [9, 9, 9] + payload)
        buffer.moveReaderIndex(forwardBy: 3)
        // The key as the frame carries it: its four bytes in network order.
        PayloadMasking.apply(UInt32(key[0]) << 24 | UInt32(key[1]) << 16 | UInt32(key[2]) << 8 | UInt32(key[3]), to: &buffer)
        #expect(Array(buffer.readableBytesView) == payload.enumerated().map { $0.element ^ key[$0.offset % 4] })
    }

    @Test func aFrameArrivingByteByByteIsReadOnceWhole() throws {
        let bytes = Self.clientFrame(0x1, Array("hello".utf8)) + Self.clientFrame(0x9, [])
        var buffer = ByteBuffer()
        var frames: [WebSocketFrame] = []
        for byte in bytes {
            buffer.writeInteger(byte)
            while let frame = try WebSocketFrameCodec.readFrame(from: &buffer, maxPayload: 100) { frames.append(frame) }
        }
        #expect(frames.map(\.opcode) == [.text, .ping])
        #expect(String(buffer: frames[0].data) == "hello")
        #expect(buffer.readableBytes == 0)
    }

    @Test func tooBigIsRefusedFromTheHeaderAlone() {
        let header = Array(Self.clientFrame(0x1, [UInt8](repeating: 0, count: 70_000)).prefix(14))
        #expect(throws: WebSocketFrameCodec.ReadError.tooBig) { try Self.read(header, max: 65_536) }
        // A 64-bit length past Int's range is a lie, not a big frame.
        #expect(throws: WebSocketFrameCodec.ReadError.protocolError) {
            try Self.read([0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1], max: 65_536)
        }
    }

    @Test func framesRFC6455Forbids() {
        let forbidden: [(String, [UInt8])] = [
            ("reserved bit without an extension", Self.clientFrame(0x1, [65], first: 0x40)),
            ("unknown opcode", Self.clientFrame(0x3, [])),
            ("fragmented ping", Self.clientFrame(0x9, [], fin: false)),
            ("control frame over 125 bytes", Self.clientFrame(0x8, [UInt8](repeating: 0, count: 126))),
            ("unmasked client frame", [0x81, 0x01, 0x41]),
        ]
        for (name, bytes) in forbidden {
            #expect(throws: WebSocketFrameCodec.ReadError.protocolError, "\(name)") { try Self.read(bytes) }
        }
    }

    @Test func serverFramesAreUnmaskedWithTheShortestLength() {
        let allocator = ByteBufferAllocator()
        func header(_ length: Int) -> [UInt8] {
            let frame = WebSocketFrameCodec.frame(.text, payload: ByteBuffer(repeating: 0x61, count: length), allocator: allocator)
            #expect(frame.readableBytes == length + (length < 126 ? 2 : length <= 0xFFFF ? 4 : 10))
            return Array(frame.readableBytesView.prefix(4))
        }
        #expect(header(5) == [0x81, 5, 0x61, 0x61])
        #expect(header(126) == [0x81, 126, 0, 126])
        #expect(header(70_000) == [0x81, 127, 0, 0])
        let close = WebSocketFrameCodec.closeFrame(.messageTooBig, allocator: allocator)
        #expect(Array(close.readableBytesView.prefix(4)) == [0x88, UInt8(2 + CloseReason.messageTooBig.reason.utf8.count), 0x03, 0xF1])
    }

    @Test func closeCodesAPeerMaySend() {
        func code(_ bytes: [UInt8]) -> UInt16? { WebSocketFrameCodec.peerCloseCode(ByteBuffer(bytes: bytes)) }
        #expect(code([]) == 1000)
        #expect(code([0x03, 0xE8]) == 1000)
        #expect(code([0x0F, 0xA0, 0x68, 0x69]) == 4000)
        for bad: [UInt8] in [[0x03], [0x03, 0xED], [0x03, 0xEE], [0x03, 0xF7], [0x00, 0x00], [0x07, 0xD0]] {
            #expect(code(bad) == nil, "\(bad)")
        }
    }

    @Test func handshakeAcceptValueFromRFC6455() {
        #expect(WebSocketUpgrader.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }
}
