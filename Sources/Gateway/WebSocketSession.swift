import Foundation
import HopTrace
import Logging
import Messages
import ByteStreams
import NIOCore
import NIOWebSocket
import WebSocketWire

/// Sent through a socket's pipeline when its outbound queue is over the limit.
struct SlowConsumerEvent: Sendable {}

/// One app connection after the upgrade: authenticated or about to be refused.
///
/// Runs on the channel's event loop with no task of its own; backend calls are the only async
/// work, and their answers come back to the loop. The only handler of the socket: it reads and
/// writes the frames itself (`WebSocketFrameCodec`).
final class WebSocketSession: ChannelInboundHandler, RemovableChannelHandler, ClockedSession {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Shared by every session (a class, so each socket holds one reference, not a copy).
    final class Dependencies: Sendable {
        let registry: ConnectionRegistry
        let forwarder: BackendForwarder
        let metrics: GatewayMetrics
        let drain: GatewayDrain
        let clock: SessionClock
        let limits: Limits
        /// nil when off.
        let rateLimit: TokenBucket.Limit?
        let logger: Logger

        init(registry: ConnectionRegistry, forwarder: BackendForwarder, metrics: GatewayMetrics, drain: GatewayDrain,
             clock: SessionClock, limits: Limits, logger: Logger) {
            self.registry = registry
            self.forwarder = forwarder
            self.metrics = metrics
            self.drain = drain
            self.clock = clock
            self.limits = limits
            self.rateLimit = limits.rateLimit > 0 ? TokenBucket.Limit(rate: limits.rateLimit, burst: limits.rateBurst) : nil
            self.logger = logger
        }
    }

    struct Limits: Sendable {
        var pingInterval: TimeAmount = .seconds(30)
        /// Messages per second per connection; 0 turns the limit off.
        var rateLimit: Double = 50
        var rateBurst: Double = 100
        var maxCallsInFlight = 16
        /// Bytes of one message, fragments joined.
        var maxMessageSize = 65_536
    }

    // Tens of thousands of these sit idle: the fields are kept few and small.
    private let outcome: ConnectionAuthenticator.Outcome
    private let dependencies: Dependencies
    private var registered = false
    private var closing = false
    private var awaitingPong = false
    private var inputFailed = false
    /// The gateway is shutting down: answer what is in flight, then close.
    private var draining = false
    private var callsInFlight: Int32 = 0
    private var rateLimiter: TokenBucket?
    private var fragments = FragmentedMessage()
    private var unparsed = UnparsedInput()
    private var nextPing = NIODeadline.distantFuture
    private var expiresAt = NIODeadline.distantFuture

    init(outcome: ConnectionAuthenticator.Outcome, dependencies: Dependencies) {
        self.outcome = outcome
        self.dependencies = dependencies
        if let limit = dependencies.rateLimit { rateLimiter = TokenBucket(limit) }
    }

    /// The user, once the socket is registered (the id comes from the token only).
    private var userID: Int? {
        guard registered, case .accepted(let userID, _, _) = outcome else { return nil }
        return userID
    }

    /// The app's own token, sent with each of its actions.
    private var token: String {
        guard case .accepted(_, let token, _) = outcome else { return "" }
        return token
    }

    private var logger: Logger { dependencies.logger }

    func handlerAdded(context: ChannelHandlerContext) {
        switch outcome {
        case .refused(let reason):
            logger.info("refused connection", metadata: ["reason": "\(reason.reason)"])
            dependencies.metrics.countRefusal(reason)
            close(context: context, reason: reason)
        case .accepted(let userID, _, let expiresAt):
            // Upgraded just as the drain began: nothing to deliver, so go at once.
            guard !dependencies.drain.isDraining else {
                close(context: context, reason: .goingAway)
                return
            }
            guard dependencies.registry.register(context.channel, userID: userID) else {
                logger.warning("refused connection: at capacity", metadata: ["user": "\(userID)"])
                dependencies.metrics.countRefusal(.serverAtCapacity)
                close(context: context, reason: .serverAtCapacity)
                return
            }
            self.registered = true
            dependencies.metrics.accepted.increment()
            dependencies.metrics.connections.increment()
            logger.debug("connected", metadata: ["user": "\(userID)"])
            send(ConnectedMessage(userId: userID), context: context)
            startClock(context: context, tokenExpiresAt: expiresAt)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        dependencies.clock.remove(self, on: context.eventLoop)
        if let userID {
            dependencies.registry.unregister(context.channel, userID: userID)
            dependencies.metrics.connections.decrement()
            registered = false
            logger.debug("disconnected", metadata: ["user": "\(userID)"])
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // After a framing error the rest of the stream has no frame boundaries left.
        guard !inputFailed else { return }
        var input = unparsed.join(unwrapInboundIn(data))
        do {
            while context.channel.isActive,
                  let frame = try WebSocketFrameCodec.readFrame(from: &input, maxPayload: dependencies.limits.maxMessageSize) {
                handle(frame, context: context)
            }
        } catch {
            // The rest of the stream cannot be read: the close code RFC 6455 gives, then hang up.
            inputFailed = true
            unparsed.discard()
            close(context: context, reason: error == .tooBig ? .messageTooBig : .protocolError, hangUp: true)
            return
        }
        unparsed.keep(input)
    }

    private func handle(_ frame: WebSocketFrame, context: ChannelHandlerContext) {
        switch frame.opcode {
        case .text, .binary, .continuation:
            guard !closing, registered else { return }
            switch fragments.add(frame, maximumSize: dependencies.limits.maxMessageSize) {
            case .incomplete:
                return
            case .tooBig:
                close(context: context, reason: .messageTooBig, hangUp: true)
            case .protocolError:
                close(context: context, reason: .protocolError, hangUp: true)
            case .invalidUTF8:
                close(context: context, reason: .invalidUTF8, hangUp: true)
            case .message(let opcode, let payload):
                if let limit = dependencies.rateLimit, rateLimiter?.take(limit) == false {
                    dependencies.metrics.rateLimited.increment()
                    send(ErrorMessage(message: ErrorMessage.rateLimitExceeded), context: context)
                } else if opcode == .text {
                    handleText(payload, context: context)
                } else {
                    dependencies.metrics.invalidIn.increment()
                    send(ErrorMessage(message: ErrorMessage.invalidMessageFormat), context: context)
                }
            }
        case .ping:
            // Nothing follows our close frame, not even a pong.
            guard !closing else { return }
            let pong = WebSocketFrameCodec.frame(.pong, payload: frame.data, allocator: context.channel.allocator)
            context.writeAndFlush(wrapOutboundOut(pong), promise: nil)
        case .pong:
            awaitingPong = false
        case .connectionClose:
            if closing {
                context.close(promise: nil)
            } else {
                // Echo the peer's close code, then hang up; a code no endpoint may send is
                // answered with 1002.
                guard let closeFrame = WebSocketFrameCodec.closeEcho(of: frame.data, allocator: context.channel.allocator) else {
                    close(context: context, reason: .protocolError, hangUp: true)
                    return
                }
                closing = true
                let channel = context.channel
                context.writeAndFlush(wrapOutboundOut(closeFrame)).whenComplete { _ in channel.close(promise: nil) }
            }
        default:
            break
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is DrainEvent {
            draining = true
            if callsInFlight == 0 { close(context: context, reason: .goingAway) }
            return
        }
        guard event is SlowConsumerEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        guard !closing else { return }
        logger.warning("closing slow consumer", metadata: ["user": "\(userID ?? 0)"])
        dependencies.metrics.slowConsumerCloses.increment()
        close(context: context, reason: .slowConsumer)
        // Its queue is full: waiting for its close frame would only hold more memory.
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Actions

    private func handleText(_ payload: ByteBuffer, context: ChannelHandlerContext) {
        guard let message = InboundMessage.parse(payload), let userID else {
            dependencies.metrics.invalidIn.increment()
            send(ErrorMessage(message: ErrorMessage.invalidMessageFormat), context: context)
            return
        }
        dependencies.metrics.actionsIn.increment()
        guard !draining else {
            sendResponse(GatewayDrain.refusal, action: message.action, id: message.id, context: context)
            return
        }
        guard Int(callsInFlight) < dependencies.limits.maxCallsInFlight else {
            sendResponse(Self.tooManyInFlight, action: message.action, id: message.id, context: context)
            return
        }
        callsInFlight += 1
        let metrics = dependencies.metrics
        let started = ContinuousClock.now
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        // Not the whole message: its `data` is a slice of the bytes read, which the wait for the
        // backend should not hold.
        let (action, id) = (message.action, message.id)
        // The action's span here: a child of the app's, or the root of a new trace.
        let trace = message.traceparent?.child() ?? TraceParent.random()
        let traces = dependencies.forwarder.traces
        let receivedAt = traces == nil ? nil : Date()
        dependencies.forwarder.forward(
            action: action, data: message.data, userID: userID, token: token, trace: trace, on: context.eventLoop
        ) { [appTrace = message.traceparent] answer in
            metrics.backendLatency.record(ContinuousClock.now - started)
            if !answer.succeeded { metrics.countBackendFailure(answer) }
            if let traces, let receivedAt {
                traces.record("action \(action) from user \(userID)", span: trace, parentSpanID: appTrace?.spanID, started: receivedAt,
                              failed: !answer.succeeded, detail: answer.errorText)
            }
            let (session, context) = bound.value
            session.callsInFlight -= 1
            session.sendResponse(answer, action: action, id: id, context: context)
            // The last answer of a draining socket is out: the close frame follows it.
            if session.draining, session.callsInFlight == 0 { session.close(context: context, reason: .goingAway) }
        }
    }

    static let tooManyInFlight = BackendAnswer.failure(
        error: "Too many requests", message: "Too many requests are waiting for an answer on this connection")

    // MARK: Heartbeat and token expiry

    private func startClock(context: ChannelHandlerContext, tokenExpiresAt: Int) {
        let now = NIODeadline.now()
        let interval = dependencies.limits.pingInterval
        if interval > .zero { nextPing = now + interval }
        let remaining = Double(tokenExpiresAt) - Date().timeIntervalSince1970
        expiresAt = now + .milliseconds(Int64(max(0, remaining) * 1000))
        dependencies.clock.add(self, context: context)
    }

    func tick(now: NIODeadline, context: ChannelHandlerContext) {
        guard !closing else { return }
        if now >= expiresAt {
            logger.info("closing connection: token expired", metadata: ["user": "\(userID ?? 0)"])
            dependencies.metrics.tokenExpiredCloses.increment()
            close(context: context, reason: .tokenExpired)
        } else if now >= nextPing {
            sendHeartbeat(context: context)
            nextPing = now + dependencies.limits.pingInterval
        }
    }

    /// A ping every interval; a socket that has not answered the last one by then is closed.
    private func sendHeartbeat(context: ChannelHandlerContext) {
        if awaitingPong {
            logger.info("closing unresponsive connection", metadata: ["user": "\(userID ?? 0)"])
            dependencies.metrics.heartbeatCloses.increment()
            close(context: context, reason: .heartbeatTimeout)
            return
        }
        awaitingPong = true
        let ping = WebSocketFrameCodec.frame(.ping, payload: ByteBuffer(), allocator: context.channel.allocator)
        context.writeAndFlush(wrapOutboundOut(ping), promise: nil)
    }

    // MARK: Output

    private func send<Message: Encodable>(_ message: Message, context: ChannelHandlerContext) {
        guard let bytes = try? JSONCoding.encode(message) else { return }
        if message is ErrorMessage { dependencies.metrics.errorsOut.increment() }
        sendText(bytes, context: context)
    }

    /// Answers to actions are the hot path: written straight to bytes, the backend's `data` as it came.
    private func sendResponse(_ answer: BackendAnswer, action: ActionName, id: JSONValue?, context: ChannelHandlerContext) {
        dependencies.metrics.responsesOut.increment()
        let frame = answer.responseFrame(action: action, id: id, allocator: context.channel.allocator)
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    private func sendText(_ bytes: some Sequence<UInt8>, context: ChannelHandlerContext) {
        let frame = WebSocketFrameCodec.frame(.text, payload: context.channel.allocator.buffer(bytes: bytes), allocator: context.channel.allocator)
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    /// Sends a close frame, waits briefly for the peer's (or not at all, after a protocol error:
    /// the rest of the stream cannot be read), then hangs up.
    private func close(context: ChannelHandlerContext, reason: CloseReason, hangUp: Bool = false) {
        guard !closing else { return }
        closing = true
        dependencies.clock.remove(self, on: context.eventLoop)
        let channel = context.channel
        let written = context.writeAndFlush(wrapOutboundOut(WebSocketFrameCodec.closeFrame(reason, allocator: context.channel.allocator)))
        if hangUp {
            written.whenComplete { _ in channel.close(promise: nil) }
        } else {
            context.eventLoop.scheduleTask(in: .seconds(2)) { channel.close(promise: nil) }
        }
    }
}
