import NIOCore
import NIOPosix
import RESP

/// Where the gateway and the backend find Redis: `REDIS_URL` alone for one server, or
/// `REDIS_CLUSTER_NODES` (with `REDIS_URL`'s credentials) for a cluster; `REDIS_PUBSUB` says
/// how channels are subscribed and published (default: classic for one server, sharded for
/// a cluster).
public struct RedisSettings: Sendable, Equatable {
    public var url: RedisURL
    /// Empty: one Redis at `url`.
    public var clusterNodes: [ClusterNodeAddress]
    public var pubSubMode: PubSubMode

    public init(url: RedisURL, clusterNodes: [ClusterNodeAddress] = [], pubSubMode: PubSubMode? = nil) {
        self.url = url
        self.clusterNodes = clusterNodes
        self.pubSubMode = pubSubMode ?? (clusterNodes.isEmpty ? .classic : .sharded)
    }

    /// From the text of the flags or variables.
    public init(url: String, clusterNodes: String?, pubSub: String?) throws {
        let nodes = try clusterNodes.map { try ClusterNodeAddress.list($0) } ?? []
        var mode: PubSubMode?
        if let pubSub {
            guard let parsed = PubSubMode(rawValue: pubSub.lowercased()) else { throw RedisSettingsError.invalidPubSub(pubSub) }
            mode = parsed
        }
        self.init(url: try RedisURL(url), clusterNodes: nodes, pubSubMode: mode)
    }

    public var isCluster: Bool { !clusterNodes.isEmpty }

    public func discovery(eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) -> ClusterDiscovery {
        ClusterDiscovery(seeds: clusterNodes, credentials: url, eventLoopGroup: eventLoopGroup)
    }

    public func makePublisher(eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) -> any RedisPublisher {
        isCluster
            ? ClusterPublisher(discovery: discovery(eventLoopGroup: eventLoopGroup), mode: pubSubMode)
            : SingleRedisPublisher(client: RedisClient(url: url, eventLoopGroup: eventLoopGroup), mode: pubSubMode)
    }

    /// For logs: the cluster's seeds or the URL, never a password.
    public var summary: String {
        isCluster ? "cluster \(clusterNodes.map(\.description).joined(separator: ",")) (\(pubSubMode.rawValue))"
            : "\(url) (\(pubSubMode.rawValue))"
    }
}

public enum RedisSettingsError: Error, CustomStringConvertible {
    case invalidPubSub(String)

    public var description: String {
        switch self {
        case .invalidPubSub(let text): "invalid Redis pub/sub mode '\(text)' (expected sharded or classic)"
        }
    }
}
