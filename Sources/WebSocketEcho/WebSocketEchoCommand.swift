import ArgumentParser
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceRuntime
import WebSocketWire

/// `websocket-echo`: a WebSocket echo server made of the gateway's own upgrader, frame codec and
/// message joining, for conformance suites (the Autobahn|Testsuite) that need every message
/// echoed. Not part of the stack.
@main
struct WebSocketEchoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "websocket-echo",
        abstract: "Echoes WebSocket messages with the gateway's frame codec (for the Autobahn|Testsuite).")

    @OptionGroup var listen: ListenOptions
    @Option(name: .customLong("max-message-size"), help: "Largest message in bytes (default 16777216).") var maxMessageSize = 16 << 20

    func run() async throws {
        LoggingSetup.bootstrap()
        let logger = Logger(label: "websocket-echo")
        let (host, port) = try listen.resolve(defaultPort: 9001)
        let maxMessageSize = self.maxMessageSize
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.tcpOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let upgrader = WebSocketUpgrader(
                        shouldUpgrade: { channel, _ in channel.eventLoop.makeSucceededFuture(HTTPHeaders()) },
                        upgradePipelineHandler: { channel, _ in
                            channel.eventLoop.makeCompletedFuture {
                                try channel.pipeline.syncOperations.addHandler(EchoSession(maxMessageSize: maxMessageSize))
                            }
                        })
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(
                        withServerUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                }
            }
            .bind(host: host, port: port)
            .get()
        logger.announceListening(scheme: "ws", host: host, port: server.localAddress?.port ?? port)
        try await server.closeFuture.get()
    }
}
