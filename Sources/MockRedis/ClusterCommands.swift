import NIOConcurrencyHelpers
import NIOCore
import RESP
import RedisCluster

/// What a one-node cluster tells about itself: a node that owns every slot, so that a
/// client's cluster code paths (slot map, SSUBSCRIBE on the shard of a slot) run against
/// mock-redis as against a real cluster.
final class ClusterIdentity: Sendable {
    let nodeID: String
    let shardID: String
    /// The address announced in CLUSTER SHARDS and SLOTS (Redis's `cluster-announce-ip`).
    let announcedHost: String
    private let boundPort = NIOLockedValueBox(0)

    init(announcedHost: String) {
        self.announcedHost = announcedHost
        nodeID = Self.randomID()
        shardID = Self.randomID()
    }

    var port: Int {
        get { boundPort.withLockedValue { $0 } }
        set { boundPort.withLockedValue { $0 = newValue } }
    }

    /// 40 hex digits, as Redis's node names.
    private static func randomID() -> String {
        (0..<40).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
    }
}

/// CLUSTER SHARDS, SLOTS, NODES, INFO, MYID, MYSHARDID, KEYSLOT (Redis's `cluster.c`, for one node).
extension RedisCommandHandler {
    func cluster(_ arguments: [ByteBuffer]) -> Reply {
        let subcommand = String(buffer: arguments[0]).lowercased()
        if subcommand == "keyslot" { return .value(.integer(HashSlot.of(arguments[1].readableBytesView))) }
        guard let identity = server.cluster else { return .error("ERR This instance has cluster support disabled") }
        let host = identity.announcedHost
        let port = identity.port
        let lastSlot = HashSlot.count - 1
        switch subcommand {
        case "shards":
            let node = RESPValue.map([
                .bulk("id"), .bulk(identity.nodeID), .bulk("port"), .integer(port), .bulk("ip"), .bulk(host),
                .bulk("endpoint"), .bulk(host), .bulk("role"), .bulk("master"), .bulk("replication-offset"), .integer(0),
                .bulk("health"), .bulk("online"),
            ])
            return .value(.array([.map([.bulk("slots"), .array([.integer(0), .integer(lastSlot)]), .bulk("nodes"), .array([node])])]))
        case "slots":
            return .value(.array([.array([.integer(0), .integer(lastSlot), .array([.bulk(host), .integer(port), .bulk(identity.nodeID), .map([])])])]))
        case "nodes":
            return .value(.bulk("\(identity.nodeID) \(host):\(port)@\(port + 10000) myself,master - 0 0 1 connected 0-\(lastSlot)\n"))
        case "info":
            let fields = [
                ("cluster_state", "ok"), ("cluster_slots_assigned", "\(HashSlot.count)"), ("cluster_slots_ok", "\(HashSlot.count)"),
                ("cluster_slots_pfail", "0"), ("cluster_slots_fail", "0"), ("cluster_known_nodes", "1"), ("cluster_size", "1"),
                ("cluster_current_epoch", "1"), ("cluster_my_epoch", "1"),
            ]
            return .value(.bulk(fields.map { "\($0.0):\($0.1)\r\n" }.joined()))
        case "myid":
            return .value(.bulk(identity.nodeID))
        case "myshardid":
            return .value(.bulk(identity.shardID))
        default:
            return .value(.array([
                .simpleString("CLUSTER <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
                .simpleString("INFO, KEYSLOT <key>, MYID, MYSHARDID, NODES, SHARDS, SLOTS"),
            ]))
        }
    }

    /// In a cluster, one command's shard channels must share a slot, as its keys must.
    func crossSlotError(_ channels: [ByteBuffer]) -> Reply? {
        guard server.cluster != nil, let first = channels.first else { return nil }
        let slot = HashSlot.of(first.readableBytesView)
        guard channels.dropFirst().allSatisfy({ HashSlot.of($0.readableBytesView) == slot }) else {
            return .error("CROSSSLOT Keys in request don't hash to the same slot")
        }
        return nil
    }
}
