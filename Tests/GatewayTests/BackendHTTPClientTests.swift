import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import Testing

@testable import Gateway

/// The gateway's HTTP/1.1 client against a server whose answers each test picks by path.
@Suite("backend HTTP client")
struct BackendHTTPClientTests {
    /// Answers by path: `/ok` (keep-alive), `/close` (Connection: close), `/chunked`, `/big`
    /// (2 MB), `/hang` (never), `/garbage` (not HTTP). Counts the connections it accepted.
    final class ScriptedServer: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let connections: NIOLockedValueBox<Int>

        init(connections: NIOLockedValueBox<Int>) { self.connections = connections }

        func channelActive(context: ChannelHandlerContext) {
            connections.withLockedValue { $0 += 1 }
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else { return }
            let body: String
            var headers: HTTPHeaders = ["Content-Type": "application/json"]
            switch head.uri {
            case "/hang": return
            case "/garbage":
                // Raw bytes, past the HTTP encoder.
                let encoder = try! context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
                encoder.writeAndFlush(NIOAny(ByteBuffer(string: "SMTP ready\r\n\r\n")), promise: nil)
                return
            case "/big": body = String(repeating: "x", count: 2 << 20)
            case "/close": body = #"{"success":true,"data":{"closed":true}}"#; headers.add(name: "Connection", value: "close")
            case "/chunked": body = #"{"success":true,"data":{"chunked":true}}"#
            default: body = #"{"success":true,"data":{"auth":"\#(head.headers["Authorization"].first ?? "")"}}"#
            }
            if head.uri != "/chunked" { headers.add(name: "Content-Length", value: String(body.utf8.count)) }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            let close = head.uri == "/close"
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in if close { channel.close(promise: nil) } }
        }

        static func start(counting connections: NIOLockedValueBox<Int>) async throws -> any Channel {
            try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                        try channel.pipeline.syncOperations.addHandler(ScriptedServer(connections: connections))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
        }
    }

    /// Runs `body` with the URL of a path on a fresh server, and its count of connections.
    static func withServer(_ body: (_ url: (String) -> String, _ connections: () -> Int) async throws -> Void) async throws {
        let connections = NIOLockedValueBox(0)
        let server = try await ScriptedServer.start(counting: connections)
        let port = server.localAddress!.port!
        try await body({ "http://127.0.0.1:\(port)\($0)" }, { connections.withLockedValue { $0 } })
        try await server.close()
    }

    static func post(_ client: BackendHTTPClient, timeout: TimeAmount = .seconds(5)) async throws -> BackendHTTPClient.Response {
        let loop = MultiThreadedEventLoopGroup.singleton.next()
        return try await client.post(body: Array("{}".utf8), bearer: "t0k", on: loop, deadline: .now() + timeout).get()
    }

    @Test func keepAliveConnectionsAreReused() async throws {
        try await Self.withServer { url, connections in
            let client = try BackendHTTPClient(url: url("/ok"), group: MultiThreadedEventLoopGroup.singleton)
            for _ in 0..<20 {
                let response = try await Self.post(client)
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"success":true,"data":{"auth":"Bearer t0k"}}"#)
            }
            // One connection per event loop at most, however many calls.
            #expect(connections() <= System.coreCount)
            await client.shutdown()
        }
    }

    @Test func connectionCloseAndChunkedAnswersAreRead() async throws {
        try await Self.withServer { url, connections in
            let closing = try BackendHTTPClient(url: url("/close"))
            for _ in 0..<3 {
                #expect(String(buffer: try await Self.post(closing).body).contains("closed"))
            }
            #expect(connections() == 3)
            let chunked = try BackendHTTPClient(url: url("/chunked"))
            #expect(String(buffer: try await Self.post(chunked).body) == #"{"success":true,"data":{"chunked":true}}"#)
            await closing.shutdown()
            await chunked.shutdown()
        }
    }

    @Test func callsPastTheConnectionLimitWaitTheirTurn() async throws {
        try await Self.withServer { url, connections in
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let client = try BackendHTTPClient(url: url("/ok"), group: group, maxConnectionsPerLoop: 2)
            let loop = group.next()
            let futures = (0..<10).map { _ in
                client.post(body: Array("{}".utf8), bearer: "t", on: loop, deadline: .now() + .seconds(5))
            }
            for future in futures { #expect(try await future.get().status == .ok) }
            #expect(connections() == 2)
            await client.shutdown()
            try await group.shutdownGracefully()
        }
    }

    @Test func aHungBackendTimesOutAndTooBigOrMalformedAnswersAreRefused() async throws {
        try await Self.withServer { url, connections in
            let hung = try BackendHTTPClient(url: url("/hang"))
            await #expect(throws: BackendHTTPClient.CallError.timeout) { try await Self.post(hung, timeout: .milliseconds(200)) }
            let big = try BackendHTTPClient(url: url("/big"), maxResponseBytes: 1 << 20)
            await #expect(throws: BackendHTTPClient.CallError.responseTooBig) { try await Self.post(big) }
            let garbage = try BackendHTTPClient(url: url("/garbage"))
            await #expect(throws: BackendHTTPClient.CallError.malformedResponse) { try await Self.post(garbage) }
            await hung.shutdown()
            await big.shutdown()
            await garbage.shutdown()
        }
    }

    @Test func aTokenThatWouldSplitAHeaderIsNotSent() async throws {
        try await Self.withServer { url, connections in
            let client = try BackendHTTPClient(url: url("/ok"))
            let loop = MultiThreadedEventLoopGroup.singleton.next()
            await #expect(throws: BackendHTTPClient.CallError.invalidToken) {
                try await client.post(body: [UInt8](), bearer: "a\r\nX-Admin: 1", on: loop, deadline: .now() + .seconds(5)).get()
            }
            #expect(connections() == 0)
            await client.shutdown()
        }
    }

    @Test func endpointsFromURLs() throws {
        let plain = try BackendHTTPClient.Endpoint(url: "http://backend:8000/api/websocket/message?x=1")
        #expect((plain.host, plain.port, plain.useTLS, plain.target, plain.hostHeader)
            == ("backend", 8000, false, "/api/websocket/message?x=1", "backend:8000"))
        let tls = try BackendHTTPClient.Endpoint(url: "https://api.example/ws")
        #expect((tls.port, tls.useTLS, tls.hostHeader) == (443, true, "api.example"))
        #expect(throws: GatewayConfigurationError.self) { try BackendHTTPClient.Endpoint(url: "ftp://x") }
    }
}
