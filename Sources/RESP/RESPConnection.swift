import Logging
import NIOCore
import NIOPosix

/// One connection to a Redis server, ready for commands (AUTH and SELECT done).
public final class RESPConnection: Sendable {
    public let channel: any Channel

    private init(channel: any Channel) { self.channel = channel }

    /// Connects and runs the URL's handshake. `onPush` receives pub/sub pushes; `onMessage`,
    /// when given, receives the `message` ones instead, as channel and payload read in place.
    public static func connect(
        to url: RedisURL,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        connectTimeout: TimeAmount = .seconds(5),
        onPush: (@Sendable ([RESPValue]) -> Void)? = nil,
        onMessage: (@Sendable (_ channel: ByteBuffer, _ payload: ByteBuffer) -> Void)? = nil
    ) async throws -> RESPConnection {
        let channel = try await ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(connectTimeout)
            .channelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
            .channelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RESPClientHandler(onPush: onPush, onMessage: onMessage))
                }
            }
            .connect(host: url.host, port: url.port)
            .get()
        let connection = RESPConnection(channel: channel)
        do {
            for command in url.handshake {
                _ = try await connection.send(command)
            }
        } catch {
            try? await channel.close()
            throw error
        }
        return connection
    }

    /// Sends a command and waits for its reply; a Redis error reply throws.
    @discardableResult
    public func send(_ arguments: [String]) async throws -> RESPValue {
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        // On a closed channel the write fails before any handler sees the request: the reply
        // promise must fail with it, or the caller would wait forever.
        channel.writeAndFlush(RESPRequest(command: .command(arguments), promise: promise)).whenFailure { promise.fail($0) }
        let reply = try await promise.futureResult.get()
        if case .error(let message) = reply { throw RESPClientError.server(message) }
        return reply
    }

    /// Sends every command in one write (pipelining) and returns the replies in order; Redis
    /// error replies are returned, not thrown, so one refusal does not hide the others.
    /// - Parameter timeout: a server that takes longer (stopped, or the network gone) gets
    ///   the connection closed, which fails every reply still awaited.
    public func pipeline(_ commands: [[String]], timeout: TimeAmount = .seconds(10)) async throws -> [RESPValue] {
        let promises = commands.map { command in
            let promise = channel.eventLoop.makePromise(of: RESPValue.self)
            channel.write(RESPRequest(command: .command(command), promise: promise)).whenFailure { promise.fail($0) }
            return promise
        }
        channel.flush()
        let deadline = channel.eventLoop.scheduleTask(in: timeout) { [channel] in channel.close(promise: nil) }
        defer { deadline.cancel() }
        var replies: [RESPValue] = []
        replies.reserveCapacity(promises.count)
        for promise in promises {
            replies.append(try await promise.futureResult.get())
        }
        return replies
    }

    /// Sends a command whose replies arrive as pushes (SUBSCRIBE, UNSUBSCRIBE, ...).
    public func sendWithoutReply(_ arguments: [String]) {
        channel.writeAndFlush(RESPRequest(command: .command(arguments), promise: nil), promise: nil)
    }

    public func close() async {
        try? await channel.close()
    }
}
