import ByteStreams
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

/// Client side of a Redis connection: reads the server's bytes, matches replies to requests in
/// order, and hands pub/sub messages (`message`, `pmessage`, `smessage`, subscribe
/// confirmations) to `onPush`.
///
/// A subscriber's hot path is the `message` (or `smessage`) push: with `onMessage` set, it is read in place
/// into channel and payload slices, with no `RESPValue` built and no pipeline hop.
final class RESPClientHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = RESPRequest
    typealias OutboundOut = ByteBuffer

    private var pending = CircularBuffer<EventLoopPromise<RESPValue>>()
    private var subscribedMode = false
    /// Once the connection is gone, a new request fails at once rather than wait forever.
    private var closed = false
    private let parser = RESPParser()
    private var unparsed = UnparsedInput()
    private let onPush: (@Sendable ([RESPValue]) -> Void)?
    private let onMessage: (@Sendable (_ channel: ByteBuffer, _ payload: ByteBuffer) -> Void)?

    init(onPush: (@Sendable ([RESPValue]) -> Void)?, onMessage: (@Sendable (ByteBuffer, ByteBuffer) -> Void)? = nil) {
        self.onPush = onPush
        self.onMessage = onMessage
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
        guard !closed else { return }
        var input = unparsed.join(unwrapInboundIn(data))
        do {
            while input.readableBytes > 0 {
                if subscribedMode, let onMessage, let (channel, payload) = Self.readMessagePush(&input) {
                    onMessage(channel, payload)
                } else if let value = try parser.parseValue(from: &input) {
                    handle(value, context: context)
                } else {
                    break
                }
            }
        } catch {
            fail(context: context, error)
            return
        }
        unparsed.keep(input)
    }

    /// `*3` (or RESP3's `>3`), `$7 message`, channel, payload: slices of the bytes read, or nil
    /// (nothing consumed) for anything else or a push not complete yet.
    static func readMessagePush(_ buffer: inout ByteBuffer) -> (channel: ByteBuffer, payload: ByteBuffer)? {
        let found: (channel: Range<Int>, payload: Range<Int>, end: Int)? = buffer.withUnsafeReadableBytes { bytes in
            guard bytes.count > shardMessagePushHeader.count + 1, bytes[0] == UInt8(ascii: "*") || bytes[0] == UInt8(ascii: ">") else {
                return nil
            }
            let header: [UInt8]
            if bytes[1...messagePushHeader.count].elementsEqual(messagePushHeader) {
                header = messagePushHeader
            } else if bytes[1...shardMessagePushHeader.count].elementsEqual(shardMessagePushHeader) {
                header = shardMessagePushHeader
            } else {
                return nil
            }
            var index = 1 + header.count
            // Malformed or not complete yet: the general parser reports or waits.
            guard let channel = try? RESPCommandParser.readBulk(bytes, &index, limits: limits),
                  let payload = try? RESPCommandParser.readBulk(bytes, &index, limits: limits) else { return nil }
            return (channel, payload, index)
        }
        guard let found else { return nil }
        let start = buffer.readerIndex
        let channel = buffer.getSlice(at: start + found.channel.lowerBound, length: found.channel.count)!
        let payload = buffer.getSlice(at: start + found.payload.lowerBound, length: found.payload.count)!
        buffer.moveReaderIndex(forwardBy: found.end)
        return (channel, payload)
    }

    private static let messagePushHeader = Array("3\r\n$7\r\nmessage\r\n".utf8)
    /// Sharded pub/sub's `smessage` (SSUBSCRIBE), read the same way.
    private static let shardMessagePushHeader = Array("3\r\n$8\r\nsmessage\r\n".utf8)
    private static let limits = RESPLimits()

    private func handle(_ value: RESPValue, context: ChannelHandlerContext) {
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
            // A refused SSUBSCRIBE (`-MOVED` in a cluster) answers no request: the subscriber
            // hears of it, and the connection and its other channels stay.
            if subscribedMode, case .error = value {
                onPush?([value])
                return
            }
            fail(context: context, RESPClientError.unexpectedReply)
            return
        }
        promise.succeed(value)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        unparsed.discard()
        failAll(RESPClientError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closed = true
        failAll(error)
        context.close(promise: nil)
    }

    /// The stream can no longer be trusted (a malformed value, or a reply nobody asked for):
    /// every waiting request fails and the connection closes, to be made again by its owner.
    private func fail(context: ChannelHandlerContext, _ error: any Error) {
        closed = true
        unparsed.discard()
        failAll(error)
        context.fireErrorCaught(error)
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
