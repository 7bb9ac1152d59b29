import Logging
import Messages
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOWebSocket
import ServiceLifecycle
import ServiceRuntime

/// The listening socket: HTTP/1 with the WebSocket upgrader, one `WebSocketSession` per app.
/// On graceful shutdown it stops accepting and closes every socket with 1001.
final class GatewayServer: Service {
    let configuration: GatewayConfiguration
    let authenticator: ConnectionAuthenticator
    let dependencies: WebSocketSession.Dependencies
    let status: GatewayStatus
    private let eventLoopGroup: any EventLoopGroup
    private let onBound: @Sendable (Int) -> Void

    init(configuration: GatewayConfiguration, authenticator: ConnectionAuthenticator,
         dependencies: WebSocketSession.Dependencies, status: GatewayStatus,
         eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
         onBound: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.configuration = configuration
        self.authenticator = authenticator
        self.dependencies = dependencies
        self.status = status
        self.eventLoopGroup = eventLoopGroup
        self.onBound = onBound
    }

    func run() async throws {
        let serverChannel = try await ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(ChannelOptions.backlog, value: 4096)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.configure(channel) }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        let port = serverChannel.localAddress?.port ?? configuration.port
        dependencies.logger.announceListening(scheme: "ws", host: configuration.host, port: port)
        onBound(port)

        let registry = dependencies.registry
        try await withGracefulShutdownHandler {
            try await serverChannel.closeFuture.get()
        } onGracefulShutdown: {
            serverChannel.close(promise: nil)
        }
        await Self.closeAll(registry.allChannels)
    }

    private func configure(_ channel: any Channel) throws {
        let endpoints = HTTPEndpointHandler(status: status)
        let boundEndpoints = NIOLoopBound(endpoints, eventLoop: channel.eventLoop)
        let upgrader = NIOWebSocketServerUpgrader(
            maxFrameSize: configuration.maxMessageSize,
            automaticErrorHandling: true,
            shouldUpgrade: { [allowedOrigins = configuration.allowedOrigins] channel, head in
                channel.eventLoop.makeSucceededFuture(
                    Self.originAllowed(head, allowedOrigins) ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { [authenticator, dependencies, maxMessageSize = configuration.maxMessageSize] channel, head in
                channel.eventLoop.makeCompletedFuture {
                    let outcome = authenticator.authenticate(head)
                    try channel.pipeline.syncOperations.addHandlers([
                        NIOWebSocketFrameAggregator(
                            minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1024,
                            maxAccumulatedFrameSize: maxMessageSize),
                        WebSocketSession(outcome: outcome, dependencies: dependencies),
                    ])
                }
            })
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                context.pipeline.syncOperations.removeHandler(boundEndpoints.value, promise: nil)
            }))
        try channel.pipeline.syncOperations.addHandler(endpoints)
    }

    static func originAllowed(_ head: HTTPRequestHead, _ allowed: Set<String>?) -> Bool {
        guard let allowed else { return true }
        guard let origin = head.headers.first(name: "origin") else { return true }
        return allowed.contains(origin)
    }

    /// Sends 1001 to every socket and waits until they are gone (at most a few seconds).
    private static func closeAll(_ channels: [any Channel]) async {
        for channel in channels {
            var payload = channel.allocator.buffer(capacity: 32)
            payload.write(webSocketErrorCode: WebSocketErrorCode(codeNumber: Int(CloseReason.goingAway.code)))
            payload.writeString(CloseReason.goingAway.reason)
            let frame = WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
            channel.writeAndFlush(frame).whenComplete { _ in channel.close(promise: nil) }
        }
        for channel in channels {
            try? await channel.closeFuture.get()
        }
    }
}
