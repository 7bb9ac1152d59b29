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
    /// Set in cluster mode (`--cluster-enabled yes`): a one-node cluster owning every slot.
    let cluster: ClusterIdentity?

    init(configuration: MockRedisConfiguration, logger: Logger, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.broker = PubSubBroker(eventLoopGroup: eventLoopGroup)
        self.logger = logger
        cluster = configuration.clusterEnabled ? ClusterIdentity(announcedHost: configuration.clusterAnnounceHost) : nil
    }
}
