import HTTPWire
import NIOCore
import NIOEmbedded
import NIOHTTP1
import NIOWebSocket
import WebSocketWire

extension FuzzTarget {
    /// The gateway's frame reader and message joining: split reads agree, and every frame read
    /// back from a client frame written anew (shortest length, another mask) is the same frame.
    static let webSocketFrame = FuzzTarget(name: "websocket-frame", summary: "WebSocket frame codec and message joining") { bytes in
        let whole = readFrames(ByteBuffer(bytes: bytes), split: nil)
        let split = readFrames(ByteBuffer(bytes: bytes), split: bytes.splitPoint)
        require(whole.frames == split.frames && whole.error == split.error, "a split read differs")
        require(whole.outcomes == split.outcomes, "message joining differs")
        for frame in whole.frames {
            var again = clientFrame(frame)
            let reread = try? WebSocketFrameCodec.readFrame(from: &again, maxPayload: 1 << 16)
            require(reread.flatMap { $0 }.map(Frame.init) == frame && again.readableBytes == 0, "a frame does not survive its encoding")
        }
    }

    /// The handshake: NIO's HTTP parser and the gateway's upgrader on any request bytes; a 101
    /// only for a request with one key and version 13.
    static let webSocketUpgrade = FuzzTarget(name: "websocket-upgrade", summary: "WebSocket upgrade request") { bytes in
        let channel = EmbeddedChannel()
        let upgrader = WebSocketUpgrader(
            shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
            upgradePipelineHandler: { channel, _ in channel.eventLoop.makeSucceededVoidFuture() })
        try? channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
        _ = try? channel.writeInbound(ByteBuffer(bytes: bytes))
        var written = ""
        while let out = try? channel.readOutbound(as: ByteBuffer.self) { written += String(buffer: out) }
        if written.hasPrefix("HTTP/1.1 101") {
            let request = String(decoding: bytes, as: UTF8.self).lowercased()
            require(request.contains("sec-websocket-version: 13") || request.contains("sec-websocket-version:13"), "101 without version 13")
            require(written.contains("sec-websocket-accept: ") || written.contains("Sec-WebSocket-Accept: "), "101 without an accept key")
        }
        _ = try? channel.finish()
    }

    /// The gateway's reader of backend answers: the same answers and the same error whether the
    /// bytes come at once or one at a time.
    static let httpResponse = FuzzTarget(name: "http-response", summary: "HTTP/1.1 response reader (backend answers)") { bytes in
        func read(pieceSize: Int) -> ([HTTPResponseReader.Response], HTTPResponseReader.ReadError?, HTTPResponseReader.Response?) {
            var reader = HTTPResponseReader(maxBodyBytes: 1 << 16)
            var responses: [HTTPResponseReader.Response] = []
            var input = ByteBuffer()
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + pieceSize)
                input.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
                offset = end
                do {
                    while let response = try reader.read(&input) {
                        responses.append(HTTPResponseReader.Response(
                            status: response.status, body: ByteBuffer(buffer: response.body), keepAlive: response.keepAlive))
                    }
                } catch {
                    return (responses, error, nil)
                }
                input.discardReadBytes()
            }
            return (responses, nil, reader.end())
        }
        let whole = read(pieceSize: max(1, bytes.count))
        let byteByByte = read(pieceSize: 1)
        require(whole.0 == byteByByte.0 && whole.1 == byteByByte.1 && whole.2 == byteByByte.2, "reading byte by byte differs")
        for response in whole.0 { require(response.body.readableBytes <= 1 << 16, "a body over the limit") }
    }

    struct Frame: Equatable {
        var fin: Bool
        var opcode: WebSocketOpcode
        var data: [UInt8]
        init(_ frame: WebSocketFrame) { (fin, opcode, data) = (frame.fin, frame.opcode, Array(frame.data.readableBytesView)) }
    }

    static func readFrames(_ input: ByteBuffer, split: Int?) -> (frames: [Frame], error: WebSocketFrameCodec.ReadError?, outcomes: [String]) {
        var frames: [Frame] = []
        var outcomes: [String] = []
        var message = FragmentedMessage()
        var buffer = ByteBuffer()
        for var piece in pieces(input, split: split) {
            buffer.writeBuffer(&piece)
            do {
                while let frame = try WebSocketFrameCodec.readFrame(from: &buffer, maxPayload: 1 << 16) {
                    frames.append(Frame(frame))
                    if !frame.opcode.isControlOpcode { outcomes.append("\(message.add(frame, maximumSize: 1 << 16))") }
                }
            } catch {
                return (frames, error, outcomes)
            }
        }
        return (frames, nil, outcomes)
    }

    /// A masked client frame, the shortest length form.
    static func clientFrame(_ frame: Frame) -> ByteBuffer {
        var out = ByteBuffer()
        out.writeInteger((frame.fin ? 0x80 : 0) | UInt8(webSocketOpcode: frame.opcode))
        switch frame.data.count {
        case ..<126: out.writeInteger(0x80 | UInt8(frame.data.count))
        case ...0xFFFF: out.writeInteger(UInt8(0xFE)); out.writeInteger(UInt16(frame.data.count))
        default: out.writeInteger(UInt8(0xFF)); out.writeInteger(UInt64(frame.data.count))
        }
        let key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        out.writeBytes(key)
        out.writeBytes(frame.data.enumerated().map { $0.element ^ key[$0.offset % 4] })
        return out
    }
}
