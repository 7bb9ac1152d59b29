import Logging
import NIOCore
import NIOPosix

/// What every connection of one mock-redis shares.
final class MockRedisState: Sendable {
    let configuration: MockRedisConfiguration
    let broker: PubSubBroker
    let keys = KeySpace()
    let clients = ClientRegistry()
    let stats = ServerStats()
    let logger: Logger

    init(configuration: MockRedisConfiguration, logger: Logger, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.broker = PubSubBroker(eventLoopGroup: eventLoopGroup)
        self.logger = logger
    }
}
