import Dispatch
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket

/// What the load connections saw, for all of them together.
final class BenchEvents: Sendable {
    private struct State {
        var connected = 0
        var closed = 0
        var delivered = 0
        var latencies: [UInt64] = []
        var responseWaiters: [CheckedContinuation<Void, Never>] = []
        var pendingResponses = 0
        var errors = 0
    }

    private let state = NIOLockedValueBox(State())

    var connected: Int { state.withLockedValue { $0.connected } }
    var closed: Int { state.withLockedValue { $0.closed } }
    var delivered: Int { state.withLockedValue { $0.delivered } }
    /// `error` frames: an action the gateway refused (its rate limit) answers with one.
    var errors: Int { state.withLockedValue { $0.errors } }

    func takeLatencies() -> [UInt64] {
        state.withLockedValue { state in
            defer { state.latencies.removeAll(keepingCapacity: true) }
            return state.latencies
        }
    }

    func resetDelivered() { state.withLockedValue { $0.delivered = 0 } }

    func didConnect() { state.withLockedValue { $0.connected += 1 } }
    func didClose() { state.withLockedValue { $0.closed += 1 } }

    func didDeliver(latencyNanoseconds: UInt64?) {
        state.withLockedValue { state in
            state.delivered += 1
            if let latencyNanoseconds { state.latencies.append(latencyNanoseconds) }
        }
    }

    /// A `response`, or an `error` in its place (`isError`): either one answers an action.
    func didRespond(isError: Bool = false) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            if isError { state.errors += 1 }
            if state.responseWaiters.isEmpty {
                state.pendingResponses += 1
                return nil
            }
            return state.responseWaiters.removeFirst()
        }
        waiter?.resume()
    }

    /// Waits for the next `response` frame on any connection.
    func nextResponse() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state -> Bool in
                if state.pendingResponses > 0 {
                    state.pendingResponses -= 1
                    return true
                }
                state.responseWaiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

/// The app side of one load connection: counts `connected`, measures pushed messages that carry
/// `"sent":<monotonic ns>`, answers pings. Plain NIO, so that the tool can hold many thousands.
final class BenchSocketHandler: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private let events: BenchEvents
    init(events: BenchEvents) { self.events = events }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            let view = frame.data.readableBytesView
            if let sent = Self.sentTime(in: view) {
                let now = DispatchTime.now().uptimeNanoseconds
                events.didDeliver(latencyNanoseconds: now > sent ? now - sent : 0)
            } else if Self.contains(view, Self.connectedTag) {
                events.didConnect()
            } else if Self.contains(view, Self.responseTag) {
                events.didRespond()
            } else if Self.contains(view, Self.errorTag) {
                events.didRespond(isError: true)
            } else {
                events.didDeliver(latencyNanoseconds: nil)
            }
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, maskKey: .random(), data: frame.data)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .connectionClose:
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        events.didClose()
        context.fireChannelInactive()
    }

    static let connectedTag = Array(#""type":"connected""#.utf8)
    static let responseTag = Array(#""type":"response""#.utf8)
    static let errorTag = Array(#""type":"error""#.utf8)
    static let sentTag = Array(#""sent":"#.utf8)

    static func contains(_ view: ByteBufferView, _ tag: [UInt8]) -> Bool {
        view.firstRange(of: tag) != nil
    }

    static func sentTime(in view: ByteBufferView) -> UInt64? {
        guard let range = view.firstRange(of: sentTag) else { return nil }
        var value: UInt64 = 0
        var index = range.upperBound
        // At most 19 digits: a longer number in a pushed payload must not trap the load generator.
        while index < view.endIndex, index - range.upperBound < 19, let digit = Optional(view[index]), digit >= 48, digit <= 57 {
            value = value * 10 + UInt64(digit - 48)
            index += 1
        }
        return value
    }
}

enum BenchConnection {
    /// Opens a WebSocket to the gateway from `source` (a 127.0.0.x address, to spread sockets
    /// over more than one source address).
    static func open(host: String, port: Int, path: String, source: String?, events: BenchEvents) async throws -> any Channel {
        var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                let upgrader = NIOWebSocketClientUpgrader(maxFrameSize: 1 << 20, automaticErrorHandling: false) { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(BenchSocketHandler(events: events))
                    }
                }
                // The gateway's first frame may arrive in the same read as the 101: keep it.
                return channel.pipeline.addHTTPClientHandlers(
                    leftOverBytesStrategy: .forwardBytes, withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
            }
        if let source {
            bootstrap = bootstrap.bind(to: try SocketAddress(ipAddress: source, port: 0))
        }
        let channel = try await bootstrap.connect(host: host, port: port).get()
        let head = HTTPRequestHead(
            version: .http1_1, method: .GET, uri: path, headers: ["Host": "\(host):\(port)", "Content-Length": "0"])
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        try await channel.writeAndFlush(HTTPClientRequestPart.end(nil))
        return channel
    }

    /// Sends a text frame (masked, as clients must).
    static func send(_ text: String, on channel: any Channel) {
        let frame = WebSocketFrame(fin: true, opcode: .text, maskKey: .random(), data: ByteBuffer(string: text))
        channel.writeAndFlush(frame, promise: nil)
    }
}
