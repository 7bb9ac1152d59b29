import NIOCore

/// One outbound command. With a promise, the next reply answers it; without one (SUBSCRIBE and
/// friends), the replies arrive as pushes.
public struct RESPRequest: Sendable {
    public var command: RESPValue
    public var promise: EventLoopPromise<RESPValue>?

    public init(command: RESPValue, promise: EventLoopPromise<RESPValue>?) {
        self.command = command
        self.promise = promise
    }
}

/// Client side of a Redis connection: matches replies to requests in order, and hands
/// pub/sub messages (`message`, `pmessage`, `smessage`, subscribe confirmations) to `onPush`.
final class RESPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RESPRequest
    typealias OutboundOut = ByteBuffer

    private var pending = CircularBuffer<EventLoopPromise<RESPValue>>()
    private var subscribedMode = false
    /// Once the connection is gone, a new request fails at once rather than wait forever.
    private var closed = false
    private let onPush: (@Sendable ([RESPValue]) -> Void)?

    init(onPush: (@Sendable ([RESPValue]) -> Void)?) {
        self.onPush = onPush
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if closed {
            request.promise?.fail(RESPClientError.connectionClosed)
            promise?.fail(RESPClientError.connectionClosed)
            return
        }
        if let replyPromise = request.promise {
            pending.append(replyPromise)
        } else {
            subscribedMode = true
        }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        request.command.write(to: &buffer)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        // RESP3 marks pushes; RESP2 sends them as arrays, told apart by their first element.
        if case .push(let elements) = value {
            onPush?(elements)
            return
        }
        if subscribedMode, let elements = value.array, let kind = elements.first?.string, Self.pushKinds.contains(kind) {
            onPush?(elements)
            return
        }
        guard let promise = pending.popFirst() else {
            context.fireErrorCaught(RESPClientError.unexpectedReply)
            return
        }
        promise.succeed(value)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        failAll(RESPClientError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closed = true
        failAll(error)
        context.close(promise: nil)
    }

    private func failAll(_ error: any Error) {
        while let promise = pending.popFirst() { promise.fail(error) }
    }

    private static let pushKinds: Set<String> = [
        "message", "pmessage", "smessage", "subscribe", "unsubscribe", "psubscribe", "punsubscribe",
        "ssubscribe", "sunsubscribe",
    ]
}

public enum RESPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    case connectionClosed
    case unexpectedReply
    case server(String)

    public var description: String {
        switch self {
        case .connectionClosed: "connection to Redis closed"
        case .unexpectedReply: "unexpected reply from Redis"
        case .server(let message): "Redis answered: \(message)"
        }
    }
}
