import NIOCore
import NIOWebSocket
import Testing

@testable import WebSocketWire

@Suite("fragmented messages")
struct FragmentedMessageTests {
    static func frame(_ opcode: WebSocketOpcode, _ text: String, fin: Bool) -> WebSocketFrame {
        WebSocketFrame(fin: fin, opcode: opcode, data: ByteBuffer(string: text))
    }

    @Test func joinsFragmentsInOrder() {
        var message = FragmentedMessage()
        #expect(message.add(Self.frame(.text, "{\"act", fin: false), maximumSize: 100) == .incomplete)
        #expect(message.add(Self.frame(.continuation, "ion\":", fin: false), maximumSize: 100) == .incomplete)
        #expect(message.add(Self.frame(.continuation, "\"x\"}", fin: true), maximumSize: 100)
            == .message(.text, ByteBuffer(string: "{\"action\":\"x\"}")))
        // And is ready for the next one.
        #expect(message.add(Self.frame(.text, "whole", fin: true), maximumSize: 100) == .message(.text, ByteBuffer(string: "whole")))
    }

    @Test func refusesOversizedAndOutOfOrderFragments() {
        var message = FragmentedMessage()
        #expect(message.add(Self.frame(.text, "12345", fin: false), maximumSize: 8) == .incomplete)
        #expect(message.add(Self.frame(.continuation, "6789", fin: true), maximumSize: 8) == .tooBig)
        #expect(message.add(Self.frame(.continuation, "x", fin: true), maximumSize: 8) == .protocolError)
        #expect(message.add(Self.frame(.text, "a", fin: false), maximumSize: 8) == .incomplete)
        #expect(message.add(Self.frame(.binary, "b", fin: true), maximumSize: 8) == .protocolError)
        var many = FragmentedMessage()
        _ = many.add(Self.frame(.text, "", fin: false), maximumSize: 8)
        var outcome = FragmentedMessage.Outcome.incomplete
        for _ in 0..<FragmentedMessage.maximumFragments where outcome == .incomplete {
            outcome = many.add(Self.frame(.continuation, "", fin: false), maximumSize: 8)
        }
        #expect(outcome == .tooBig)
    }
}

@Suite("UTF-8 of text messages")
struct UTF8ValidationTests {
    static func frame(_ opcode: WebSocketOpcode, _ bytes: [UInt8], fin: Bool) -> WebSocketFrame {
        WebSocketFrame(fin: fin, opcode: opcode, data: ByteBuffer(bytes: bytes))
    }

    @Test("agrees with Swift's own decoding", arguments: [
        [UInt8]("κόσμε".utf8), [0xF0, 0x9F, 0x98, 0x80], [0xEF, 0xBF, 0xBF], [0xF4, 0x8F, 0xBF, 0xBF], [0x7F],
        [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xE0, 0x9F, 0xBF], [0x80], [0xFE], [0xCE], [0xF0, 0x9F, 0x98],
    ])
    func validity(bytes: [UInt8]) {
        #expect(UTF8Validator.isValid(bytes) == (String(validating: bytes, as: UTF8.self) != nil))
    }

    @Test func everySplitOfAValidTextIsAccepted() {
        let text = [UInt8]("a€😀κ".utf8)
        for cut in 0...text.count {
            var message = FragmentedMessage()
            #expect(message.add(Self.frame(.text, Array(text[..<cut]), fin: false), maximumSize: 100) == .incomplete)
            #expect(message.add(Self.frame(.continuation, Array(text[cut...]), fin: true), maximumSize: 100)
                == .message(.text, ByteBuffer(bytes: text)))
        }
    }

    @Test func invalidTextFailsAtTheFirstBadFragmentAndBinaryIsNotChecked() {
        var message = FragmentedMessage()
        #expect(message.add(Self.frame(.text, [0x61, 0xFF], fin: false), maximumSize: 100) == .invalidUTF8)
        var truncated = FragmentedMessage()
        #expect(truncated.add(Self.frame(.text, [0x61, 0xE2, 0x82], fin: false), maximumSize: 100) == .incomplete)
        #expect(truncated.add(Self.frame(.continuation, [], fin: true), maximumSize: 100) == .invalidUTF8)
        #expect(message.add(Self.frame(.text, [0xC3, 0x28], fin: true), maximumSize: 100) == .invalidUTF8)
        #expect(message.add(Self.frame(.binary, [0xFF], fin: true), maximumSize: 100) == .message(.binary, ByteBuffer(bytes: [0xFF])))
    }

    @Test func aCloseReasonMustBeUTF8() {
        #expect(WebSocketFrameCodec.peerCloseCode(ByteBuffer(bytes: [0x03, 0xE8, 0x61])) == 1000)
        #expect(WebSocketFrameCodec.peerCloseCode(ByteBuffer(bytes: [0x03, 0xE8, 0xFF])) == nil)
    }
}

@Suite("close echo")
struct CloseEchoTests {
    @Test func echoesThePeersCodeAndRefusesInvalidCloses() {
        let allocator = ByteBufferAllocator()
        #expect(WebSocketFrameCodec.closeEcho(of: ByteBuffer(bytes: [0x0B, 0xB8, 0x61]), allocator: allocator)
            == ByteBuffer(bytes: [0x88, 0x02, 0x0B, 0xB8]))
        #expect(WebSocketFrameCodec.closeEcho(of: ByteBuffer(), allocator: allocator) == ByteBuffer(bytes: [0x88, 0x02, 0x03, 0xE8]))
        #expect(WebSocketFrameCodec.closeEcho(of: ByteBuffer(bytes: [0x03, 0xED]), allocator: allocator) == nil)
    }
}
