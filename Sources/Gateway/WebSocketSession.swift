import Foundation
import Logging
import Messages
import NIOCore
import NIOWebSocket

/// One app connection after the upgrade: authenticated or about to be refused.
///
/// Runs on the channel's event loop with no task of its own; backend calls are the only async
/// work, and their answers come back to the loop.
final class WebSocketSession: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    struct Dependencies: Sendable {
        let registry: ConnectionRegistry
        let forwarder: BackendForwarder
        let pingInterval: TimeAmount
        let logger: Logger
    }

    private let outcome: ConnectionAuthenticator.Outcome
    private let dependencies: Dependencies
    private var userID: Int?
    private var token = ""
    private var registered = false
    private var closing = false
    private var awaitingPong = false
    private var heartbeat: RepeatedTask?
    private var expiry: Scheduled<Void>?
    private var logger: Logger

    init(outcome: ConnectionAuthenticator.Outcome, dependencies: Dependencies) {
        self.outcome = outcome
        self.dependencies = dependencies
        self.logger = dependencies.logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        switch outcome {
        case .refused(let reason):
            logger.info("refused connection", metadata: ["reason": "\(reason.reason)"])
            close(context: context, reason: reason)
        case .accepted(let userID, let token, let expiresAt):
            guard dependencies.registry.register(context.channel, userID: userID) else {
                logger.warning("refused connection: at capacity", metadata: ["user": "\(userID)"])
                close(context: context, reason: .serverAtCapacity)
                return
            }
            self.userID = userID
            self.token = token
            self.registered = true
            logger[metadataKey: "user"] = "\(userID)"
            logger.debug("connected")
            send(ConnectedMessage(userId: userID), context: context)
            startHeartbeat(context: context)
            scheduleExpiry(context: context, expiresAt: expiresAt)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        heartbeat?.cancel()
        expiry?.cancel()
        if registered, let userID {
            dependencies.registry.unregister(context.channel, userID: userID)
            registered = false
            logger.debug("disconnected")
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        switch frame.opcode {
        case .text:
            guard !closing, registered else { return }
            handleText(frame.unmaskedData, context: context)
        case .binary:
            guard !closing, registered else { return }
            send(ErrorMessage(message: ErrorMessage.invalidMessageFormat), context: context)
        case .ping:
            let pong = WebSocketFrame(fin: true, opcode: .pong, data: frame.unmaskedData)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            awaitingPong = false
        case .connectionClose:
            if closing {
                context.close(promise: nil)
            } else {
                // Echo the peer's close code, then hang up.
                closing = true
                var payload = frame.unmaskedData
                let code = payload.readWebSocketErrorCode() ?? .normalClosure
                var reply = context.channel.allocator.buffer(capacity: 2)
                reply.write(webSocketErrorCode: code)
                let closeFrame = WebSocketFrame(fin: true, opcode: .connectionClose, data: reply)
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(closeFrame)).whenComplete { _ in channel.close(promise: nil) }
            }
        default:
            break
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let aggregation = error as? NIOWebSocketFrameAggregator.Error, aggregation == .accumulatedFrameSizeIsTooLarge {
            close(context: context, reason: .messageTooBig)
            return
        }
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Actions

    private func handleText(_ payload: ByteBuffer, context: ChannelHandlerContext) {
        guard let message = InboundMessage.parse(payload), let userID else {
            send(ErrorMessage(message: ErrorMessage.invalidMessageFormat), context: context)
            return
        }
        let forwarder = dependencies.forwarder
        let token = self.token
        let promise = context.eventLoop.makePromise(of: BackendResponse.self)
        promise.completeWithTask {
            await forwarder.forward(action: message.action, data: message.data, userID: userID, token: token)
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        promise.futureResult.whenSuccess { response in
            let (session, context) = bound.value
            session.send(
                ResponseMessage(action: message.action, data: response.responseData, id: message.id), context: context)
        }
    }

    // MARK: Heartbeat and token expiry

    private func startHeartbeat(context: ChannelHandlerContext) {
        let interval = dependencies.pingInterval
        guard interval > .zero else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        heartbeat = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let (session, context) = bound.value
            session.sendHeartbeat(context: context)
        }
    }

    private func sendHeartbeat(context: ChannelHandlerContext) {
        guard !closing else { return }
        if awaitingPong {
            logger.info("closing unresponsive connection")
            close(context: context, reason: .heartbeatTimeout)
            return
        }
        awaitingPong = true
        let ping = WebSocketFrame(fin: true, opcode: .ping, data: context.channel.allocator.buffer(capacity: 0))
        context.writeAndFlush(wrapOutboundOut(ping), promise: nil)
    }

    private func scheduleExpiry(context: ChannelHandlerContext, expiresAt: Int) {
        let remaining = Double(expiresAt) - Date().timeIntervalSince1970
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        expiry = context.eventLoop.scheduleTask(in: .milliseconds(Int64(max(0, remaining) * 1000))) {
            let (session, context) = bound.value
            session.logger.info("closing connection: token expired")
            session.close(context: context, reason: .tokenExpired)
        }
    }

    // MARK: Output

    private func send<Message: Encodable>(_ message: Message, context: ChannelHandlerContext) {
        guard let bytes = try? JSONCoding.encode(message) else { return }
        let frame = WebSocketFrame(fin: true, opcode: .text, data: context.channel.allocator.buffer(bytes: bytes))
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    /// Sends a close frame, waits briefly for the peer's, then hangs up.
    private func close(context: ChannelHandlerContext, reason: CloseReason) {
        guard !closing else { return }
        closing = true
        heartbeat?.cancel()
        expiry?.cancel()
        var payload = context.channel.allocator.buffer(capacity: 2 + reason.reason.utf8.count)
        payload.write(webSocketErrorCode: WebSocketErrorCode(codeNumber: Int(reason.code)))
        payload.writeString(reason.reason)
        let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        let channel = context.channel
        context.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
    }
}
