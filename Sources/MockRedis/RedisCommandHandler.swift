import Logging
import NIOCore
import RESP

/// One client connection of mock-redis: its state, and the dispatch of its commands with
/// Redis 7's checks and error texts. The commands themselves are in the `*Commands.swift` files.
final class RedisCommandHandler: ChannelInboundHandler {
    typealias InboundIn = RESPCommand
    typealias OutboundOut = ByteBuffer

    let server: MockRedisState
    private(set) var context: ChannelHandlerContext!
    var subscriber: Subscriber!
    private(set) var client: ClientRecord!
    var clientID: Int { client.id }

    // The connection's state (Redis's `client` struct).
    var version = RESPVersion.resp2 {
        didSet {
            subscriber.version = version
            client.update { $0.protocolVersion = version.rawValue }
        }
    }
    var database = 0
    var authenticated: Bool
    var channels: Set<[UInt8]> = []
    var patterns: Set<GlobPattern> = []
    var shardChannels: Set<[UInt8]> = []
    /// Replies to the commands of one read, written together when the read is complete.
    private var replies: ByteBuffer?

    init(server: MockRedisState) {
        self.server = server
        self.authenticated = server.configuration.requirePass == nil
    }

    /// RESP2 clients with subscriptions may only (un)subscribe, ping, quit and reset.
    var isInSubscribedMode: Bool {
        version == .resp2 && !(channels.isEmpty && patterns.isEmpty && shardChannels.isEmpty)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        subscriber = Subscriber(channel: context.channel, limit: server.configuration.pubsubOutputLimit, logger: server.logger)
        subscriber.writer.value = { [unowned self] bytes in self.write(bytes) }
        client = server.clients.register(context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        subscriber.writer.value = nil
        unsubscribeFromEverything()
        server.clients.unregister(clientID)
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let arguments = unwrapInboundIn(data).arguments
        guard let first = arguments.first else { return }
        let typed = String(buffer: first)
        let reply = dispatch(typed, Array(arguments.dropFirst()))
        server.stats.commandsProcessed.wrappingAdd(1, ordering: .relaxed)
        // Pipelined commands are answered in one write, at the end of the read.
        var out = replies ?? context.channel.allocator.buffer(capacity: 256)
        replies = nil
        switch reply {
        case .value(let value):
            value.write(to: &out, version: version)
        case .values(let values):
            for value in values { value.write(to: &out, version: version) }
        case .closing(let value):
            value.write(to: &out, version: version)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in channel.close(promise: nil) }
            return
        }
        replies = out
    }

    /// A pub/sub message for this connection: after the replies waiting for the end of the
    /// read, or at once.
    private func write(_ bytes: ByteBuffer) {
        if replies != nil {
            replies!.writeImmutableBuffer(bytes)
        } else {
            context?.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let out = replies {
            replies = nil
            context.writeAndFlush(wrapOutboundOut(out), promise: nil)
        }
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let protocolError = error as? RESPProtocolError {
            // Redis answers a protocol violation, then drops the connection; the others go on.
            var out = context.channel.allocator.buffer(capacity: 64)
            RESPValue.error("ERR \(protocolError)").write(to: &out)
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in channel.close(promise: nil) }
        } else {
            server.logger.debug("client connection error", metadata: ["error": "\(error)"])
            context.close(promise: nil)
        }
    }

    /// Redis's `processCommand` checks, in its order, then the command.
    private func dispatch(_ typed: String, _ arguments: [ByteBuffer]) -> Reply {
        guard let (name, command) = Self.commandsAsTyped[typed] ?? Self.commandsAsTyped[typed.lowercased()] else {
            // Redis quotes the command as the client typed it, and up to 128 bytes of each argument.
            let shown = arguments.prefix(20).map { "'\(String(buffer: $0).prefix(128))' " }.joined()
            return .error("ERR unknown command '\(typed.prefix(128))', with args beginning with: \(shown)")
        }
        guard command.acceptsArgumentCount(arguments.count) else {
            return .error("ERR wrong number of arguments for '\(name)' command")
        }
        var fullName = name
        if !command.subcommands.isEmpty {
            let subcommand = String(buffer: arguments[0]).lowercased()
            guard let arity = command.subcommands[subcommand] else {
                return .error("ERR unknown subcommand '\(String(buffer: arguments[0]).prefix(128))'. Try \(name.uppercased()) HELP.")
            }
            guard arity > 0 ? arguments.count + 1 == arity : arguments.count + 1 >= -arity else {
                return .error("ERR wrong number of arguments for '\(name)|\(subcommand)' command")
            }
            fullName += "|" + subcommand
        }
        if !authenticated, !command.withoutAuth {
            return .error("NOAUTH Authentication required.")
        }
        if isInSubscribedMode, !command.whileSubscribed {
            return .error(
                "ERR Can't execute '\(fullName)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
        }
        client.update { client in
            client.lastCommand = fullName
            client.lastActive = .now
        }
        return command.run(self, arguments)
    }

    func unsubscribeFromEverything() {
        for channel in channels { server.broker.unsubscribe(subscriber, from: channel) }
        for channel in shardChannels { server.broker.unsubscribe(subscriber, from: channel, kind: .shardChannel) }
        for pattern in patterns { server.broker.unsubscribe(subscriber, fromPattern: pattern) }
        channels.removeAll()
        shardChannels.removeAll()
        patterns.removeAll()
        updateSubscriptionCounts()
    }

    func updateSubscriptionCounts() {
        let (channelCount, patternCount, shardCount) = (channels.count, patterns.count, shardChannels.count)
        client.update { client in
            client.channels = channelCount
            client.patterns = patternCount
            client.shardChannels = shardCount
        }
    }
}

extension ByteBuffer {
    var bytes: [UInt8] { Array(readableBytesView) }
}
