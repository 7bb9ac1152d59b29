import Foundation
import Messages
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix

/// A stand-in for the backend's `POST /api/cms/events` that takes everything and counts it by
/// event name: the far end of `client bench cms`, cheap enough not to be the bottleneck.
final class EventSinkServer: Sendable {
    private let counts: NIOLockedValueBox<[String: Int]>
    private let channel: any Channel

    private init(channel: any Channel, counts: NIOLockedValueBox<[String: Int]>) {
        self.channel = channel
        self.counts = counts
    }

    static func start(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> EventSinkServer {
        let counts = NIOLockedValueBox([String: Int]())
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 512)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(SinkHandler(counts: counts))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        return EventSinkServer(channel: channel, counts: counts)
    }

    var port: Int { channel.localAddress?.port ?? 0 }

    func count(_ event: String) -> Int { counts.withLockedValue { $0[event] ?? 0 } }

    func close() async { try? await channel.close() }
}

private final class SinkHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let counts: NIOLockedValueBox<[String: Int]>
    private var body = ByteBuffer()
    private var keepAlive = true
    private static let answer = ByteBuffer(string: #"{"success":true}"#)

    init(counts: NIOLockedValueBox<[String: Int]>) { self.counts = counts }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            body.clear()
            keepAlive = head.isKeepAlive
        case .body(var chunk):
            body.writeBuffer(&chunk)
        case .end:
            // One event, or a batch of them.
            let json = try? JSONReader.parse(body.readableBytesView)
            let events: [JSONValue] = if case .array(let items)? = json { items } else { [json ?? .null] }
            counts.withLockedValue { counts in
                for event in events { counts[event["event"]?.stringValue ?? "invalid", default: 0] += 1 }
                counts["requests", default: 0] += 1
            }
            var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", String(Self.answer.readableBytes))])
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(Self.answer))), promise: nil)
            let (keepAlive, channel) = (self.keepAlive, context.channel)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
        }
    }
}
