import Logging
import NIOCore
import NIOPosix
import RESP
import ServiceLifecycle
import ServiceRuntime

struct MockRedisConfiguration: Sendable {
    var host = "0.0.0.0"
    var port = 6379
    /// Redis's `requirepass`: nil lets every client in.
    var requirePass: String?
    var maxClients = 10_000
    /// Redis's `client-output-buffer-limit pubsub`.
    var pubsubOutputLimit = OutputBufferLimit()
    /// Redis's `proto-max-bulk-len`.
    var maxBulkLength = 512 * 1024 * 1024
    /// How often expired keys are swept (besides being dropped when touched).
    var expirySweepInterval: TimeAmount = .milliseconds(100)
    /// Redis's `cluster-enabled`: a one-node cluster that owns every slot.
    var clusterEnabled = false
    /// Redis's `cluster-announce-ip`; nil: the listening host, or 127.0.0.1 for a wildcard.
    var clusterAnnounceIP: String?

    var clusterAnnounceHost: String {
        clusterAnnounceIP ?? (host == "0.0.0.0" || host == "::" ? "127.0.0.1" : host)
    }
}

/// The RESP server: accepts connections until shutdown, one `RedisCommandHandler` each, which
/// parses, runs and answers; output is flushed once per event loop iteration.
final class MockRedisServer: Service {
    let configuration: MockRedisConfiguration
    let logger: Logger
    let state: MockRedisState
    var broker: PubSubBroker { state.broker }
    private let eventLoopGroup: any EventLoopGroup
    private let onBound: @Sendable (Int) -> Void

    init(configuration: MockRedisConfiguration, logger: Logger,
         eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
         onBound: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        self.state = MockRedisState(configuration: configuration, logger: logger, eventLoopGroup: eventLoopGroup)
        self.eventLoopGroup = eventLoopGroup
        self.onBound = onBound
    }

    func run() async throws {
        let state = self.state
        // Output waits for the end of the loop iteration (Redis's beforeSleep): one write per
        // connection per iteration however many replies and messages it got.
        let flushBatches = IterationBatches<RedisCommandHandler>(group: eventLoopGroup) { _, handlers in
            for handler in handlers { handler.flushNow() }
        }
        let channel = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if state.clients.connectedCount >= state.configuration.maxClients {
                        try channel.pipeline.syncOperations.addHandler(RefuseClientHandler())
                        state.stats.rejectedConnections.wrappingAdd(1, ordering: .relaxed)
                        return
                    }
                    try channel.pipeline.syncOperations.addHandler(
                        RedisCommandHandler(server: state, flushBatch: flushBatches.batch(for: channel.eventLoop)))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        let port = channel.localAddress?.port ?? configuration.port
        state.cluster?.port = port
        logger.announceListening(scheme: "redis", host: configuration.host, port: port)
        onBound(port)
        let memory = MemoryReturn()
        let sweeper = channel.eventLoop.scheduleRepeatedTask(
            initialDelay: configuration.expirySweepInterval, delay: configuration.expirySweepInterval
        ) { _ in
            state.keys.sweepExpired()
            memory.check(connected: state.clients.connectedCount)
        }
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
        sweeper.cancel()
        // As Redis on SIGTERM: every client is disconnected.
        _ = state.clients.kill { _ in true }
    }
}

/// Past `maxclients`: Redis's error, then the connection is closed.
private final class RefuseClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        let reply = RESPValue.error("ERR max number of clients reached").encoded()
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(reply)).whenComplete { _ in channel.close(promise: nil) }
    }
}
