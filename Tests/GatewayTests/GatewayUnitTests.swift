import Messages
import NIOCore
import NIOHTTP1
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
