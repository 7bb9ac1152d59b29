import Messages
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Testing

@testable import Gateway

@Suite("gateway units")
struct GatewayUnitTests {
    @Test func tokenFromQueryOrBearerHeader() {
        var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/any/path?x=1&token=abc")
        #expect(ConnectionAuthenticator.token(in: head) == "abc")
        head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["Authorization": "Bearer  def "])
        #expect(ConnectionAuthenticator.token(in: head) == "def")
        head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/?token=", headers: ["Authorization": "Basic xyz"])
        #expect(ConnectionAuthenticator.token(in: head) == nil)
    }

    @Test func inboundMessageRules() {
        #expect(InboundMessage.parse(ByteBuffer(string: #"{"action":"list_chargers"}"#)) == ClientMessage(action: .listChargers))
        #expect(InboundMessage.parse(ByteBuffer(string: #"{"action":"x","data":{"k":1},"id":"a"}"#))
            == ClientMessage(action: "x", data: ["k": 1], id: "a"))
        for bad in [#"{"action":"x","data":null}"#, #"{"action":""}"#, #"{"action":"x","id":{}}"#, "{", "null"] {
            #expect(InboundMessage.parse(ByteBuffer(string: bad)) == nil, "\(bad)")
        }
    }

    @Test func originCheck() {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["Origin": "https://app.example"])
        #expect(GatewayServer.originAllowed(head, nil))
        #expect(GatewayServer.originAllowed(head, ["https://app.example"]))
        #expect(!GatewayServer.originAllowed(head, ["https://other.example"]))
    }
}

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
