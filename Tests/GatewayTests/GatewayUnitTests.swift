import Logging
import Messages
import NIOCore
import NIOEmbedded
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
        #expect(InboundMessage.parse(ByteBuffer(string: #"{"action":"list_chargers"}"#))
            == InboundAction(action: .listChargers, data: ByteBuffer(string: "{}"), id: nil))
        // `data` is kept as the app wrote it, spaces and unknown fields included; a repeated key's last value counts.
        #expect(InboundMessage.parse(ByteBuffer(string: #"{"action":"y","action":"x","data": { "k" : 1, "new": [true] },"id":"a","userId":9}"#))
            == InboundAction(action: "x", data: ByteBuffer(string: #"{ "k" : 1, "new": [true] }"#), id: "a"))
        #expect(InboundMessage.parse(ByteBuffer(string: #"{"id":7,"action":"x"}"#))?.id == 7)
        // Only the last value of a repeated key is checked, as a JSON object has it.
        #expect(InboundMessage.parse(ByteBuffer(string: #"{"action":1,"action":"x","data":null,"data":{},"id":null,"id":2}"#))
            == InboundAction(action: "x", data: ByteBuffer(string: "{}"), id: 2))
        for bad in [#"{"action":"x","data":null}"#, #"{"action":""}"#, #"{"action":"x","id":{}}"#, #"{"action":"x","id":null}"#,
                    #"{"data":{}}"#, #"{"action":1}"#, #"{"action":"x","data":{"k":01}}"#, "{", "null", #"[{"action":"x"}]"#] {
            #expect(InboundMessage.parse(ByteBuffer(string: bad)) == nil, "\(bad)")
        }
    }

    @Test func theBackendRequestCarriesDataAsTheAppWroteIt() throws {
        let body = BackendForwarder.requestBody(action: "start_\"charging", data: ByteBuffer(string: #"{ "charger_id":"CP001","x":1.50}"#), userID: -42)
        #expect(String(decoding: body, as: UTF8.self) == #"{"action":"start_\"charging","data":{ "charger_id":"CP001","x":1.50},"userId":-42}"#)
        let request = try #require(BackendRequest(json: try JSONReader.parse(body)))
        #expect(request == BackendRequest(action: "start_\"charging", data: ["charger_id": "CP001", "x": 1.5], userId: -42))
    }

    /// The bytes the gateway writes mean what `BackendResponse.responseData` (the typed form) says.
    @Test(arguments: [
        (200, #"{"success":true,"data":{"session_id":456,"extra":[1,{"a":"é"}]}}"#),
        (200, #"{"success":true,"data":{}}"#),
        (200, #"{"success":true,"data":{ }}"#),
        (200, #"{"data":{"a":1 } , "success":true}"#),
        (200, "{\"success\":true,\"data\":{\n  \"a\": {\"b\": [1, {}]},\n  \"c\": \"}\"\n}\n}"),
        (200, #"{"success":true}"#),
        (200, #"{"success":true,"data":[1]}"#),
        (200, #"{"success":true,"data":{"success":false,"n":1}}"#),
        (422, #"{"success":false,"error":"Charger not available","message":"The charger is \"busy\""}"#),
        (200, #"{"success":false,"error":"E"}"#),
    ])
    func backendAnswersBecomeTheResponseData(status: Int, body: String) throws {
        let answer = BackendForwarder.interpret(status: HTTPResponseStatus(statusCode: status), body: ByteBuffer(string: body))
        var written: [UInt8] = []
        answer.writeResponseData(to: &written)
        let typed = try JSONCoding.decode(BackendResponse.self, from: body)
        #expect(try JSONReader.parse(written) == typed.responseData)
        #expect(answer.succeeded == typed.success)
    }

    @Test func answersThatAreNotTheSpecsJSONAreClearFailures() {
        func interpret(_ status: Int, _ body: String) -> BackendAnswer {
            BackendForwarder.interpret(status: HTTPResponseStatus(statusCode: status), body: ByteBuffer(string: body))
        }
        #expect(interpret(200, "[1,2,3]") == .failure(error: BackendForwarder.badResponse, message: "The backend's answer is not the expected JSON"))
        #expect(interpret(200, #"{"success":"yes"}"#) == .failure(error: BackendForwarder.badResponse, message: "The backend's answer is not the expected JSON"))
        #expect(interpret(200, #"{"success":true,"data":{"a":1}"#) == .failure(error: BackendForwarder.badResponse, message: "The backend's answer is not the expected JSON"))
        #expect(interpret(200, #"{"success":false}"#) == .failure(error: "Request failed", message: "The backend refused the request"))
        #expect(interpret(401, #"{"message":"Unauthenticated."}"#) == .failure(error: BackendForwarder.backendError, message: "Unauthenticated."))
        #expect(interpret(502, "<html>") == .failure(error: BackendForwarder.backendError, message: "The backend answered with HTTP 502"))
    }

    @Test func failedCallsBecomeClearFailures() {
        func failure(_ error: any Error) -> BackendAnswer {
            BackendForwarder.failure(for: error, action: "x", timeout: .seconds(10), logger: Logger(label: "test"))
        }
        #expect(failure(BackendHTTPClient.CallError.timeout)
            == .failure(error: "Backend timeout", message: "The backend did not answer within 10 seconds"))
        #expect(failure(BackendHTTPClient.CallError.responseTooBig)
            == .failure(error: "Invalid backend response", message: "The backend's answer was too large"))
        #expect(failure(BackendHTTPClient.CallError.malformedResponse)
            == .failure(error: "Invalid backend response", message: "The backend's answer is not valid HTTP"))
        #expect(failure(BackendHTTPClient.CallError.connectionClosed)
            == .failure(error: "Backend unavailable", message: "The backend could not be reached"))
    }

    @Test func theResponseMessageIsTheSpecsWithTheAppsID() throws {
        let answer = BackendAnswer.success(data: ByteBuffer(string: #"{"status":"initiated"}"#))
        var frame = answer.responseFrame(action: .startCharging, id: "r1", allocator: ByteBufferAllocator())
        // A final, unmasked text frame with the shortest length form.
        let first = frame.readInteger(as: UInt8.self)
        #expect(first == 0x81)
        var length = Int(frame.readInteger(as: UInt8.self) ?? 0)
        if length == 126 { length = Int(frame.readInteger(as: UInt16.self) ?? 0) }
        #expect(frame.readableBytes == length)
        let message = try JSONReader.parse(frame.readableBytesView)
        #expect(message["type"] == "response")
        #expect(message["action"] == "start_charging")
        #expect(message["data"] == ["status": "initiated", "success": true])
        #expect(message["id"] == "r1")
        #expect(message["timestamp"]?.stringValue?.count == 20)
        #expect(message.objectValue?.count == 5)
        // Without an id, exactly the spec's four fields.
        var plain = BackendAnswer.failure(error: "E", message: "M").responseFrame(action: "x", id: nil, allocator: ByteBufferAllocator())
        plain.moveReaderIndex(forwardBy: 2)
        let spec = try JSONReader.parse(plain.readableBytesView)
        #expect(spec.objectValue.map { Set($0.keys) } == ["type", "action", "data", "timestamp"])
        #expect(spec["data"] == ["success": false, "error": "E", "message": "M"])
    }

    @Test func receiveBuffersDoubleAndHalve() {
        // Inline in a channel's `any RecvByteBufferAllocator`: no box per socket.
        #expect(MemoryLayout<SocketReceiveSizer>.size <= 3 * MemoryLayout<Int>.size)
        var sizer = SocketReceiveSizer()
        #expect(sizer.nextBufferSize() == 256)
        let grew = sizer.record(actualReadBytes: 256)
        #expect(grew)
        #expect(sizer.nextBufferSize() == 512)
        var sizes: [Int] = []
        while sizer.nextBufferSize()! < 65_536 {
            _ = sizer.record(actualReadBytes: sizer.nextBufferSize()!)
            sizes.append(sizer.nextBufferSize()!)
        }
        #expect(sizes == [1024, 2048, 4096, 8192, 16_384, 32_768, 65_536])
        let grewPastMaximum = sizer.record(actualReadBytes: 1 << 20)
        #expect(!grewPastMaximum)
        #expect(sizer.nextBufferSize() == 65_536)
        // One small read is not enough to shrink; two in a row are.
        _ = sizer.record(actualReadBytes: 10)
        #expect(sizer.nextBufferSize() == 65_536)
        _ = sizer.record(actualReadBytes: 10)
        #expect(sizer.nextBufferSize() == 32_768)
        for _ in 0..<200 { _ = sizer.record(actualReadBytes: 0) }
        #expect(sizer.nextBufferSize() == 64)
    }

    @Test func aUsersSocketsOneOrMany() throws {
        let (a, b, c) = (EmbeddedChannel(), EmbeddedChannel(), EmbeddedChannel())
        var sockets = UserSockets.one(a)
        sockets.append(b)
        sockets.append(c)
        #expect(sockets.all.map(ObjectIdentifier.init) == [a, b, c].map(ObjectIdentifier.init))
        let two = try #require(sockets.removing(b))
        #expect(two.all.map(ObjectIdentifier.init) == [a, c].map(ObjectIdentifier.init))
        let one = try #require(two.removing(a))
        guard case .one(let last) = one else { Issue.record("one socket left is kept alone"); return }
        #expect(last === c)
        #expect(one.removing(a) == nil, "not one of them")
        #expect(one.removing(c)?.isEmpty == true)
    }

    @Test func originCheck() {
        let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/", headers: ["Origin": "https://app.example"])
        #expect(GatewayServer.originAllowed(head, nil))
        #expect(GatewayServer.originAllowed(head, ["https://app.example"]))
        #expect(!GatewayServer.originAllowed(head, ["https://other.example"]))
    }
}
