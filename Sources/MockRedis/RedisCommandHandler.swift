import Logging
import ByteStreams
import NIOCore
import RESP
import ServiceRuntime

/// One client connection of mock-redis: its state, and the dispatch of its commands with
/// Redis 7's checks and error texts. The commands themselves are in the `*Commands.swift` files.
final class RedisCommandHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
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
            updateSubscribedMode()
        }
    }
    var database = 0
    var authenticated: Bool
    var channels: Set<ByteBuffer> = []
    var patterns: Set<GlobPattern> = []
    var shardChannels: Set<ByteBuffer> = []

    // Parsing happens here rather than in a decoder handler of its own: a pipelined command
    // then costs no pipeline hop, no `NIOAny` and no allocation.
    private let parser: RESPCommandParser
    /// Refilled for every command; its arguments are slices of the bytes read.
    private var command = RESPCommand(name: ByteBuffer(), arguments: [])
    private var unparsed = UnparsedInput()
    /// Replies to the commands of one read, written together when the read is complete.
    private var replies: ByteBuffer?
    /// The buffer of the last read's replies, kept for the next read's: by then the socket has
    /// written it, so it is this handler's alone again and refills without an allocation.
    private var spareReplies: ByteBuffer?
    private var closing = false
    /// Activity not yet copied to the client record and the server's stats, which other
    /// connections read (CLIENT LIST, INFO): copied once per read instead of per command.
    private var lastCommand: String?
    private var commandsSinceFlush = 0
    private var recentCommand = RecentCommand()
    /// Where output waits for the end of the loop iteration; nil flushes at once.
    private let flushBatch: IterationBatch<RedisCommandHandler>?
    private var flushQueued = false

    init(server: MockRedisState, flushBatch: IterationBatch<RedisCommandHandler>? = nil) {
        self.server = server
        self.flushBatch = flushBatch
        self.authenticated = server.configuration.requirePass == nil
        self.parser = RESPCommandParser(limits: RESPLimits(maxBulkLength: server.configuration.maxBulkLength))
    }

    /// RESP2 clients with subscriptions may only (un)subscribe, ping, quit and reset. Kept up
    /// to date rather than computed: every command asks.
    private(set) var isInSubscribedMode = false

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        subscriber = Subscriber(channel: context.channel, limit: server.configuration.pubsubOutputLimit, logger: server.logger)
        subscriber.writer.value = { [unowned self] bytes in self.write(bytes) }
        client = server.clients.register(context.channel)
    }

    func channelInactive(context: ChannelHandlerContext) {
        subscriber.writer.value = nil
        unsubscribeFromEverything()
        flushActivity()
        server.clients.unregister(clientID)
        unparsed.discard()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        var input = unparsed.join(unwrapInboundIn(data))
        do {
            while !closing, try parser.parse(from: &input, into: &command) {
                execute(context: context)
            }
        } catch {
            // Redis answers a protocol violation, then drops the connection; the others go on.
            replyAndClose(.error("ERR \(error)"), context: context)
        }
        // Let go of the slices, so that the read buffer can be reused (and of the room a
        // command with thousands of arguments took).
        command.name = ByteBuffer()
        if command.arguments.capacity > 64 {
            command.arguments = []
        } else {
            command.arguments.removeAll(keepingCapacity: true)
        }
        if closing { unparsed.discard() } else { unparsed.keep(input) }
    }

    private func execute(context: ChannelHandlerContext) {
        let reply = dispatch()
        commandsSinceFlush += 1
        // Pipelined commands are answered in one write, at the end of the read.
        if replies == nil { replies = takeReplyBuffer(context: context) }
        switch reply {
        case .value(let value):
            value.write(to: &replies!, version: version)
        case .values(let values):
            for value in values { value.write(to: &replies!, version: version) }
        case .closing(let value):
            value.write(to: &replies!, version: version)
            closing = true
            let out = replies!
            replies = nil
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    /// The replies so far, then `value`, then the connection closes.
    private func replyAndClose(_ value: RESPValue, context: ChannelHandlerContext) {
        var out = replies ?? context.channel.allocator.buffer(capacity: 64)
        replies = nil
        value.write(to: &out, version: version)
        closing = true
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// A pub/sub message for this connection: after the replies waiting for the end of the
    /// read, or at once.
    private func write(_ bytes: ByteBuffer) {
        if replies != nil {
            replies!.writeImmutableBuffer(bytes)
        } else {
            output(bytes)
        }
    }

    /// Queues `bytes` for the socket, flushed with the loop's batch.
    private func output(_ bytes: ByteBuffer) {
        guard let context else { return }
        guard let flushBatch else {
            context.writeAndFlush(wrapOutboundOut(bytes), promise: nil)
            return
        }
        context.write(wrapOutboundOut(bytes), promise: nil)
        if !flushQueued {
            flushQueued = true
            flushBatch.add(self)
        }
    }

    func flushNow() {
        flushQueued = false
        context?.flush()
    }

    private func takeReplyBuffer(context: ChannelHandlerContext) -> ByteBuffer {
        guard var buffer = spareReplies else { return context.channel.allocator.buffer(capacity: 256) }
        spareReplies = nil
        // A new buffer of the same size if the socket still holds this one.
        buffer.clear()
        return buffer
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if let out = replies {
            replies = nil
            output(out)
            // A big reply's room is not kept for every connection.
            if out.capacity <= 4096 { spareReplies = out }
        }
        flushActivity()
        context.fireChannelReadComplete()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        server.logger.debug("client connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    /// Copies this connection's activity to what other connections read.
    func flushActivity() {
        if commandsSinceFlush > 0 {
            server.stats.commandsProcessed.wrappingAdd(commandsSinceFlush, ordering: .relaxed)
            commandsSinceFlush = 0
        }
        if let lastCommand {
            self.lastCommand = nil
            client.update { client in
                client.lastCommand = lastCommand
                client.lastActive = .now
            }
        }
    }

    /// Redis's `processCommand` checks, in its order, then the command.
    private func dispatch() -> Reply {
        let arguments = command.arguments
        guard let known = recentCommand.lookUp(command.name) else {
            // Redis quotes the command as the client typed it, and up to 128 bytes of each argument.
            let shown = arguments.prefix(20).map { "'\(String(buffer: $0).prefix(128))' " }.joined()
            return .error("ERR unknown command '\(String(buffer: command.name).prefix(128))', with args beginning with: \(shown)")
        }
        // Fields read through the reference: copying the command out would retain its closure
        // and its subcommand table for every command.
        let name = known.name
        guard known.command.acceptsArgumentCount(arguments.count) else {
            return .error("ERR wrong number of arguments for '\(name)' command")
        }
        var fullName = name
        // A container alone (COMMAND; the others' arity wants a subcommand) runs as itself, as
        // Redis's lookupCommand does for one argument.
        if !known.command.subcommands.isEmpty, let first = arguments.first {
            let subcommand = String(buffer: first).lowercased()
            guard let arity = known.command.subcommands[subcommand] else {
                return .error("ERR unknown subcommand '\(String(buffer: first).prefix(128))'. Try \(name.uppercased()) HELP.")
            }
            guard arity > 0 ? arguments.count + 1 == arity : arguments.count + 1 >= -arity else {
                return .error("ERR wrong number of arguments for '\(name)|\(subcommand)' command")
            }
            fullName += "|" + subcommand
        }
        if !authenticated, !known.command.withoutAuth {
            return .error("NOAUTH Authentication required.")
        }
        if isInSubscribedMode, !known.command.whileSubscribed {
            return .error(
                "ERR Can't execute '\(fullName)': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")
        }
        lastCommand = fullName
        return known.command.run(self, arguments)
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

    private func updateSubscribedMode() {
        isInSubscribedMode = version == .resp2 && !(channels.isEmpty && patterns.isEmpty && shardChannels.isEmpty)
    }

    func updateSubscriptionCounts() {
        updateSubscribedMode()
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

    /// The readable bytes in a buffer of their own, to keep past the read they came in (a
    /// slice would keep the whole read buffer alive).
    var ownedCopy: ByteBuffer { ByteBuffer(bytes: readableBytesView) }
}
