import NIOCore
import NIOPosix
import RESP

/// Reads the slot map from the first node that answers: the nodes of the last map first (the
/// seeds may be gone by now), then the seeds given at start.
public struct ClusterDiscovery: Sendable {
    public var seeds: [ClusterNodeAddress]
    /// Username and password for every node (host and port are ignored).
    public var credentials: RedisURL
    public var connectTimeout: TimeAmount
    let eventLoopGroup: any EventLoopGroup

    public init(seeds: [ClusterNodeAddress], credentials: RedisURL = RedisURL(), connectTimeout: TimeAmount = .seconds(2),
                eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.seeds = seeds
        self.credentials = credentials
        self.connectTimeout = connectTimeout
        self.eventLoopGroup = eventLoopGroup
    }

    public func slotMap(after previous: SlotMap? = nil) async throws -> SlotMap {
        var seen = Set<ClusterNodeAddress>()
        let candidates = ((previous?.nodes ?? []) + seeds).filter { seen.insert($0).inserted }
        var errors: [String] = []
        for node in candidates {
            do {
                return try await slotMap(from: node)
            } catch {
                errors.append("\(node): \(error)")
            }
        }
        throw ClusterError.unreachable(errors)
    }

    /// CLUSTER SHARDS, or CLUSTER SLOTS from a server older than Redis 7.
    public func slotMap(from node: ClusterNodeAddress) async throws -> SlotMap {
        let connection = try await RESPConnection.connect(
            to: node.url(credentials: credentials), eventLoopGroup: eventLoopGroup, connectTimeout: connectTimeout)
        do {
            let map = try await read(from: connection, asked: node)
            await connection.close()
            return map
        } catch {
            await connection.close()
            throw error
        }
    }

    private func read(from connection: RESPConnection, asked node: ClusterNodeAddress) async throws -> SlotMap {
        let shards = try await connection.pipeline([["CLUSTER", "SHARDS"]], timeout: connectTimeout)[0]
        guard case .error(let message) = shards else { return try SlotMap.parse(shards: shards, asked: node) }
        guard message.lowercased().contains("unknown subcommand") else { throw RESPClientError.server(message) }
        let slots = try await connection.pipeline([["CLUSTER", "SLOTS"]], timeout: connectTimeout)[0]
        if case .error(let message) = slots { throw RESPClientError.server(message) }
        return try SlotMap.parse(slots: slots, asked: node)
    }
}
