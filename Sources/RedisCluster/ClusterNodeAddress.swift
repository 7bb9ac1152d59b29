import Foundation
import RESP

/// One node of a cluster, as `host:port`.
public struct ClusterNodeAddress: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `host:port` (IPv6 as `[::1]:7000`).
    public init?(_ text: some StringProtocol) {
        let text = String(text).trimmingCharacters(in: .whitespaces)
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port) else {
            return nil
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        self.init(host: host, port: port)
    }

    /// `REDIS_CLUSTER_NODES`: `host:port,host:port,...`.
    public static func list(_ text: String) throws -> [ClusterNodeAddress] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: true)
        let nodes = try parts.map { part in
            guard let node = ClusterNodeAddress(part) else { throw ClusterError.invalidNodeList(text) }
            return node
        }
        guard !nodes.isEmpty else { throw ClusterError.invalidNodeList(text) }
        return nodes
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public static func < (lhs: ClusterNodeAddress, rhs: ClusterNodeAddress) -> Bool {
        (lhs.host, lhs.port) < (rhs.host, rhs.port)
    }

    /// The URL for a connection to this node, with the credentials of `template` (a cluster
    /// has no databases but 0).
    func url(credentials template: RedisURL) -> RedisURL {
        RedisURL(host: host, port: port, username: template.username, password: template.password, database: 0)
    }
}

public enum ClusterError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidNodeList(String)
    /// No node answered CLUSTER SHARDS or CLUSTER SLOTS.
    case unreachable([String])
    case malformedSlotMap(String)
    /// A slot no primary serves (the cluster is down for it).
    case slotNotServed(Int)

    public var description: String {
        switch self {
        case .invalidNodeList(let text): "invalid cluster node list '\(text)' (expected host:port,host:port,...)"
        case .unreachable(let errors): "no cluster node answered: \(errors.joined(separator: "; "))"
        case .malformedSlotMap(let why): "malformed cluster slot map: \(why)"
        case .slotNotServed(let slot): "slot \(slot) is not served by any node"
        }
    }
}
