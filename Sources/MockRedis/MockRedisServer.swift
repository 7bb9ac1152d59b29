import Logging
import NIOCore
import NIOPosix
import RESP
import ServiceLifecycle
import ServiceRuntime

struct MockRedisConfiguration: Sendable {
    var host = "0.0.0.0"
    var port = 6379
}

/// The RESP server: accepts connections until shutdown, one `RedisCommandHandler` each.
final class MockRedisServer: Service {
    let configuration: MockRedisConfiguration
    let logger: Logger
    let broker = PubSubBroker()
    private let eventLoopGroup: any EventLoopGroup
    private let onBound: @Sendable (Int) -> Void

    init(configuration: MockRedisConfiguration, logger: Logger,
         eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
         onBound: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.configuration = configuration
        self.logger = logger
        self.eventLoopGroup = eventLoopGroup
        self.onBound = onBound
    }

    func run() async throws {
        let broker = self.broker
        let logger = self.logger
        let channel = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        ByteToMessageHandler(RESPCommandDecoder()),
                        RedisCommandHandler(broker: broker, logger: logger),
                    ])
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        let port = channel.localAddress?.port ?? configuration.port
        logger.announceListening(scheme: "redis", host: configuration.host, port: port)
        onBound(port)
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}
