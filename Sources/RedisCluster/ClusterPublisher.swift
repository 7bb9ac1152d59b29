import Logging
import NIOCore
import RESP

/// Publishes to a Redis Cluster: each message to the primary that serves its channel's slot
/// (SPUBLISH, `sharded`), or all to one node (PUBLISH, `classic`, which the cluster copies to
/// every node). A batch goes out as one pipeline per primary, the primaries in parallel; a
/// `MOVED` answer updates the slot map and sends the messages of that slot again, in order.
public actor ClusterPublisher: RedisPublisher {
    public let discovery: ClusterDiscovery
    public let mode: PubSubMode
    private var map: SlotMap?
    private var clients: [ClusterNodeAddress: RedisClient] = [:]
    /// Redirections followed for one batch before giving up on a message.
    private let maxRedirects = 5

    public init(discovery: ClusterDiscovery, mode: PubSubMode = .sharded) {
        self.discovery = discovery
        self.mode = mode
    }

    public func publish(_ messages: [PublishedMessage]) async throws -> [RESPValue] {
        var replies = [RESPValue?](repeating: nil, count: messages.count)
        var pending = Array(messages.indices)
        for _ in 0...maxRedirects where !pending.isEmpty {
            let map = try await currentMap()
            var byNode: [ClusterNodeAddress: [Int]] = [:]
            for index in pending {
                guard let node = owner(of: messages[index].channel, in: map) else {
                    replies[index] = .error("CLUSTERDOWN Hash slot not served")
                    continue
                }
                byNode[node, default: []].append(index)
            }
            // Per node: the replies, or the error that lost its connection.
            let answered = await withTaskGroup(of: ([Int], Result<[RESPValue], any Error>).self) { group in
                for (node, indices) in byNode {
                    let client = client(for: node)
                    let commands = indices.map { [mode.publish, messages[$0].channel, messages[$0].payload] }
                    group.addTask {
                        do {
                            return (indices, .success(try await client.pipeline(commands)))
                        } catch {
                            return (indices, .failure(error))
                        }
                    }
                }
                var all: [([Int], Result<[RESPValue], any Error>)] = []
                for await part in group { all.append(part) }
                return all
            }
            pending = []
            for (indices, outcome) in answered {
                switch outcome {
                case .success(let nodeReplies):
                    for (index, reply) in zip(indices, nodeReplies) {
                        replies[index] = reply
                        if case .error(let message) = reply, let redirect = ClusterRedirect(message), !redirect.isAsk {
                            self.map?.move(slot: redirect.slot, to: redirect.node)
                            pending.append(index)
                        }
                    }
                case .failure(let error):
                    for index in indices { replies[index] = .error("ERR \(error)") }
                    // A node gone (a failover): the next batch reads the slot map again.
                    self.map = nil
                }
            }
            pending.sort()
        }
        return replies.map { $0 ?? .error("ERR no reply") }
    }

    public func close() async {
        for client in clients.values { await client.close() }
        clients = [:]
    }

    private func currentMap() async throws -> SlotMap {
        if let map { return map }
        let fresh = try await discovery.slotMap(after: nil)
        map = fresh
        // Connections to nodes the map no longer names are closed.
        let stale = clients.keys.filter { !fresh.nodes.contains($0) }
        for node in stale { await clients.removeValue(forKey: node)?.close() }
        return fresh
    }

    private func owner(of channel: String, in map: SlotMap) -> ClusterNodeAddress? {
        mode == .sharded ? map.primary(forChannel: channel) : map.primary(forSlot: 0)
    }

    private func client(for node: ClusterNodeAddress) -> RedisClient {
        if let client = clients[node] { return client }
        let client = RedisClient(url: node.url(credentials: discovery.credentials), eventLoopGroup: discovery.eventLoopGroup)
        clients[node] = client
        return client
    }
}
