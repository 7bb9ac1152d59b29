import Logging
import NIOCore
import RESP

/// Publishes to a Redis Cluster: each message to the primary that serves its channel's slot
/// (SPUBLISH, `sharded`), or all to one node (PUBLISH, `classic`, which the cluster copies to
/// every node). A batch goes out as one pipeline per primary, the primaries in parallel; a
/// `MOVED` answer updates the slot map and sends the messages of that slot again, in order; an
/// `ASK` (the slot is being migrated) sends that message to the importing node after `ASKING`.
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
            // Per node: the replies, or the error that lost its connection. One node (a batch
            // of one message, say) is awaited as it is; several go out at once.
            let work = byNode.map { node, indices in
                (indices, client(for: node), indices.map { [mode.publish, messages[$0].channel, messages[$0].payload] })
            }
            var answered: [([Int], Result<[RESPValue], any Error>)] = []
            if work.count == 1 {
                answered.append((work[0].0, await Self.send(work[0].2, via: work[0].1)))
            } else {
                let sends = work.map { indices, client, commands in Task { (indices, await Self.send(commands, via: client)) } }
                for send in sends { answered.append(await send.value) }
            }
            pending = []
            var asked: [ClusterNodeAddress: [Int]] = [:]
            for (indices, outcome) in answered {
                switch outcome {
                case .success(let nodeReplies):
                    for (index, reply) in zip(indices, nodeReplies) {
                        replies[index] = reply
                        guard case .error(let message) = reply, let redirect = ClusterRedirect(message) else { continue }
                        if redirect.isAsk {
                            asked[redirect.node, default: []].append(index)
                        } else {
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
            // A slot being migrated: this one command goes to the importing node, after ASKING.
            for (node, indices) in asked {
                let commands = indices.flatMap { [["ASKING"], [mode.publish, messages[$0].channel, messages[$0].payload]] }
                if case .success(let nodeReplies) = await Self.send(commands, via: client(for: node)) {
                    for (offset, index) in indices.enumerated() { replies[index] = nodeReplies[2 * offset + 1] }
                }
            }
            pending.sort()
        }
        return replies.map { $0 ?? .error("ERR no reply") }
    }

    private static func send(_ commands: [[String]], via client: RedisClient) async -> Result<[RESPValue], any Error> {
        do {
            return .success(try await client.pipeline(commands))
        } catch {
            return .failure(error)
        }
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
