import Logging
import Messages
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket
import ServiceLifecycle
import ServiceRuntime
import WebSocketWire

/// The listening socket: HTTP/1 with the WebSocket upgrader, one `WebSocketSession` per app.
/// On graceful shutdown it drains (`GatewayDrain`): in-flight answers are delivered, then every
/// socket closes with 1001.
final class GatewayServer: Service {
    let configuration: GatewayConfiguration
    let authenticator: ConnectionAuthenticator
    let dependencies: WebSocketSession.Dependencies
    let status: GatewayStatus
    private let eventLoopGroup: any EventLoopGroup
    private let onBound: @Sendable (Int) -> Void
    private let tls: NIOSSLContext?
    /// After a burst of sockets has gone, give the memory back (glibc keeps it otherwise).
    private let memory = MemoryReturn()

    init(configuration: GatewayConfiguration, authenticator: ConnectionAuthenticator,
         dependencies: WebSocketSession.Dependencies, status: GatewayStatus,
         eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
         onBound: @escaping @Sendable (Int) -> Void = { _ in }) throws {
        self.tls = try Self.tlsContext(configuration)
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
            // A channel keeps up to `maxMessagesPerRead` receive buffers for its next reads. Idle
            // sockets dominate, so keep one, and start it small (an upgrade request fits); it
            // grows for big frames.
            .childChannelOption(ChannelOptions.maxMessagesPerRead, value: 1)
            .childChannelOption(ChannelOptions.recvAllocator, value: SocketReceiveSizer())
            .childChannelOption(
                ChannelOptions.writeBufferWaterMark,
                value: .init(low: configuration.maxOutboundBytes / 2, high: configuration.maxOutboundBytes))
            .childChannelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture { try self.configure(channel) }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        let port = serverChannel.localAddress?.port ?? configuration.port
        dependencies.logger.announceListening(scheme: tls == nil ? "ws" : "wss", host: configuration.host, port: port)
        onBound(port)

        // The listener stays open through the drain, so that /health can answer 503 meanwhile;
        // the drain closes it when it is over.
        let (registry, drain, logger) = (dependencies.registry, dependencies.drain, dependencies.logger)
        let drainTimeout = Duration.milliseconds(Int64(configuration.drainTimeout * 1000))
        let memory = self.memory
        let trimmer = serverChannel.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            memory.check(connected: registry.connectionCount)
        }
        defer { trimmer.cancel() }
        try await withTaskCancellationHandler {
            try await withGracefulShutdownHandler {
                try await serverChannel.closeFuture.get()
            } onGracefulShutdown: {
                drain.begin()
                logger.info("draining", metadata: ["connections": "\(registry.connectionCount)"])
                Task {
                    let forced = await GatewayDrain.drain(registry, timeout: drainTimeout, on: serverChannel.eventLoop)
                    if forced > 0 {
                        logger.warning("drain timeout: closed sockets still waiting for the backend", metadata: ["connections": "\(forced)"])
                    }
                    serverChannel.close(promise: nil)
                }
            }
        } onCancel: {
            serverChannel.close(promise: nil)
        }
        dependencies.clock.stop()
    }

    private func configure(_ channel: any Channel) throws {
        memory.noteAccepted()
        if let tls {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
        }
        let endpoints = HTTPEndpointHandler(status: status)
        let boundEndpoints = NIOLoopBound(endpoints, eventLoop: channel.eventLoop)
        // The handshake only: the session reads and writes frames itself, the socket's one handler.
        let upgrader = WebSocketUpgrader(
            shouldUpgrade: { [allowedOrigins = configuration.allowedOrigins, drain = dependencies.drain] channel, head in
                // Refused upgrades go on to the endpoint handler, which says why (403 or 503).
                channel.eventLoop.makeSucceededFuture(
                    !drain.isDraining && Self.originAllowed(head, allowedOrigins) ? HTTPHeaders() : nil)
            },
            upgradePipelineHandler: { [authenticator, dependencies] channel, head in
                channel.eventLoop.makeCompletedFuture {
                    let outcome = authenticator.authenticate(head)
                    try channel.pipeline.syncOperations.addHandler(WebSocketSession(outcome: outcome, dependencies: dependencies))
                }
            })
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(
            withServerUpgrade: (upgraders: [upgrader], completionHandler: { context in
                context.pipeline.syncOperations.removeHandler(boundEndpoints.value, promise: nil)
            }))
        try channel.pipeline.syncOperations.addHandler(endpoints)
    }

    /// The TLS context when `TLS_CERT` and `TLS_KEY` are set; both or neither.
    static func tlsContext(_ configuration: GatewayConfiguration) throws -> NIOSSLContext? {
        switch (configuration.tlsCertificatePath, configuration.tlsKeyPath) {
        case (nil, nil):
            return nil
        case (let certificate?, let key?):
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let tls = TLSConfiguration.makeServerConfiguration(
                certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            return try NIOSSLContext(configuration: tls)
        default:
            throw GatewayConfigurationError("TLS_CERT and TLS_KEY must be given together")
        }
    }

    /// Browsers send `Origin`; other clients may not, and are let in. Every `Origin` given must
    /// be allowed.
    static func originAllowed(_ head: HTTPRequestHead, _ allowed: Set<String>?) -> Bool {
        guard let allowed else { return true }
        return head.headers[canonicalForm: "origin"].allSatisfy { allowed.contains(String($0)) }
    }
}
