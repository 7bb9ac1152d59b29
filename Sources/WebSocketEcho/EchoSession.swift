import ByteStreams
import Messages
import NIOCore
import NIOWebSocket
import WebSocketWire

/// One echo connection: the gateway's frame codec and message joining, answering every
/// message with itself, as the Autobahn|Testsuite's fuzzing client expects of a server.
final class EchoSession: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let maxMessageSize: Int
    private var fragments = FragmentedMessage()
    private var unparsed = UnparsedInput()
    private var closing = false
    private var inputFailed = false

    init(maxMessageSize: Int) { self.maxMessageSize = maxMessageSize }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !inputFailed else { return }
        var input = unparsed.join(unwrapInboundIn(data))
        do {
            while context.channel.isActive, !inputFailed,
                  let frame = try WebSocketFrameCodec.readFrame(from: &input, maxPayload: maxMessageSize) {
                handle(frame, context: context)
            }
        } catch {
            fail(context: context, reason: error == .tooBig ? .messageTooBig : .protocolError)
            return
        }
        if inputFailed { unparsed.discard() } else { unparsed.keep(input) }
    }

    private func handle(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        switch frame.opcode {
        case .text, .binary, .continuation:
            guard !closing else { return }
            switch fragments.add(frame, maximumSize: maxMessageSize) {
            case .incomplete: return
            case .tooBig: fail(context: context, reason: .messageTooBig)
            case .protocolError: fail(context: context, reason: .protocolError)
            case .invalidUTF8: fail(context: context, reason: .invalidUTF8)
            case .message(let opcode, let payload):
                context.writeAndFlush(wrapOutboundOut(WebSocketFrameCodec.frame(opcode, payload: payload, allocator: context.channel.allocator)), promise: nil)
            }
        case .ping:
            guard !closing else { return }
            context.writeAndFlush(wrapOutboundOut(WebSocketFrameCodec.frame(.pong, payload: frame.data, allocator: context.channel.allocator)), promise: nil)
        case .pong:
            break
        case .connectionClose:
            guard !closing else {
                context.close(promise: nil)
                return
            }
            guard let closeFrame = WebSocketFrameCodec.closeEcho(of: frame.data, allocator: context.channel.allocator) else {
                fail(context: context, reason: .protocolError)
                return
            }
            closing = true
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(closeFrame)).whenComplete { _ in channel.close(promise: nil) }
        default:
            break
        }
    }

    /// The close code RFC 6455 gives for what the peer did, then hang up: the rest of the
    /// stream cannot be trusted.
    private func fail(context: ChannelHandlerContext, reason: CloseReason) {
        inputFailed = true
        guard !closing else {
            context.close(promise: nil)
            return
        }
        closing = true
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(WebSocketFrameCodec.closeFrame(reason, allocator: context.channel.allocator)))
            .whenComplete { _ in channel.close(promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
