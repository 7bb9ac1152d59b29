import Logging
import NIOCore
import RESP

/// One client connection of mock-redis: runs its commands and answers as Redis 7 does.
final class RedisCommandHandler: ChannelInboundHandler {
    typealias InboundIn = [ByteBuffer]
    typealias OutboundOut = ByteBuffer

    private let broker: PubSubBroker
    private let logger: Logger
    private var subscriber: Subscriber?
    private var channels: Set<String> = []

    init(broker: PubSubBroker, logger: Logger) {
        self.broker = broker
        self.logger = logger
    }

    private var isSubscribed: Bool { !channels.isEmpty }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let arguments = unwrapInboundIn(data)
        guard let first = arguments.first else { return }
        let typed = String(buffer: first)
        var out = context.channel.allocator.buffer(capacity: 32)
        let keepOpen = execute(typed.lowercased(), typed: typed, Array(arguments.dropFirst()), context: context, into: &out)
        if out.readableBytes > 0 {
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        }
        if !keepOpen { context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let subscriber {
            for channel in channels { broker.unsubscribe(subscriber, from: channel) }
        }
        channels.removeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let protocolError = error as? RESPProtocolError {
            // Redis answers a protocol violation, then drops the connection.
            var out = context.channel.allocator.buffer(capacity: 64)
            RESPValue.error("ERR \(protocolError)").write(to: &out)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in channel.close(promise: nil) }
        } else {
            logger.debug("client connection error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    /// Returns false when the connection should close after the reply.
    private func execute(
        _ name: String, typed: String, _ arguments: [ByteBuffer], context: ChannelHandlerContext, into out: inout ByteBuffer
    ) -> Bool {
        if isSubscribed, !Self.allowedWhileSubscribed.contains(name) {
            RESPValue.error(
                "ERR Can't execute '\(name)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
            ).write(to: &out)
            return true
        }
        guard let arity = Self.arity[name] else {
            let shown = arguments.prefix(20).map { "'\(String(buffer: $0))' " }.joined()
            // Redis quotes the command as the client typed it.
            RESPValue.error("ERR unknown command '\(typed)', with args beginning with: \(shown)").write(to: &out)
            return true
        }
        let count = arguments.count + 1
        guard arity > 0 ? count == arity : count >= -arity else {
            RESPValue.error("ERR wrong number of arguments for '\(name)' command").write(to: &out)
            return true
        }

        switch name {
        case "ping":
            if isSubscribed {
                RESPValue.array([.bulk("pong"), .bulkString(arguments.first ?? ByteBuffer())]).write(to: &out)
            } else if let message = arguments.first {
                RESPValue.bulkString(message).write(to: &out)
            } else {
                RESPValue.simpleString("PONG").write(to: &out)
            }
        case "echo":
            RESPValue.bulkString(arguments[0]).write(to: &out)
        case "quit":
            RESPValue.simpleString("OK").write(to: &out)
            return false
        case "select":
            if let index = Int(String(buffer: arguments[0])), (0..<16).contains(index) {
                RESPValue.simpleString("OK").write(to: &out)
            } else if Int(String(buffer: arguments[0])) == nil {
                RESPValue.error("ERR value is not an integer or out of range").write(to: &out)
            } else {
                RESPValue.error("ERR DB index is out of range").write(to: &out)
            }
        case "auth":
            RESPValue.error(
                "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
            ).write(to: &out)
        case "client":
            RESPValue.simpleString("OK").write(to: &out)
        case "subscribe":
            let subscriber = currentSubscriber(context)
            for channel in arguments {
                let name = String(buffer: channel)
                if channels.insert(name).inserted { broker.subscribe(subscriber, to: name) }
                RESPValue.array([.bulk("subscribe"), .bulkString(channel), .integer(channels.count)]).write(to: &out)
            }
        case "unsubscribe":
            let targets = arguments.isEmpty ? channels.sorted().map { ByteBuffer(string: $0) } : arguments
            if targets.isEmpty {
                RESPValue.array([.bulk("unsubscribe"), .bulkString(nil), .integer(0)]).write(to: &out)
            }
            for channel in targets {
                let name = String(buffer: channel)
                if channels.remove(name) != nil, let subscriber { broker.unsubscribe(subscriber, from: name) }
                RESPValue.array([.bulk("unsubscribe"), .bulkString(channel), .integer(channels.count)]).write(to: &out)
            }
        case "publish":
            RESPValue.integer(broker.publish(arguments[1], to: arguments[0])).write(to: &out)
        case "pubsub":
            pubsub(arguments, into: &out)
        default:
            break
        }
        return true
    }

    private func pubsub(_ arguments: [ByteBuffer], into out: inout ByteBuffer) {
        let subcommand = String(buffer: arguments[0]).lowercased()
        let rest = arguments.dropFirst().map { String(buffer: $0) }
        switch (subcommand, rest.count) {
        case ("channels", 0...1):
            RESPValue.array(broker.activeChannels(matching: rest.first).map { .bulk($0) }).write(to: &out)
        case ("numsub", _):
            let counts = broker.subscriberCounts(rest)
            RESPValue.array(zip(rest, counts).flatMap { [RESPValue.bulk($0), .integer($1)] }).write(to: &out)
        case ("numpat", 0):
            RESPValue.integer(0).write(to: &out)
        default:
            RESPValue.error(
                "ERR unknown subcommand or wrong number of arguments for '\(String(buffer: arguments[0]))'. Try PUBSUB HELP."
            ).write(to: &out)
        }
    }

    private func currentSubscriber(_ context: ChannelHandlerContext) -> Subscriber {
        if let subscriber { return subscriber }
        let created = Subscriber(channel: context.channel)
        subscriber = created
        return created
    }

    /// Redis's arity: positive is exact, negative is a minimum (the command name counts).
    private static let arity: [String: Int] = [
        "ping": -1, "echo": 2, "quit": -1, "select": 2, "auth": -2, "client": -2,
        "subscribe": -2, "unsubscribe": -1, "publish": 3, "pubsub": -2,
    ]

    private static let allowedWhileSubscribed: Set<String> = [
        "subscribe", "unsubscribe", "psubscribe", "punsubscribe", "ssubscribe", "sunsubscribe", "ping", "quit", "reset",
    ]
}
