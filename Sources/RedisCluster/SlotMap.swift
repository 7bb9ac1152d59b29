import NIOCore
import NIOPosix
import RESP

/// Which primary serves each of the 16,384 slots, with the replicas of each shard: what
/// `CLUSTER SHARDS` (Redis 7) or `CLUSTER SLOTS` answers.
public struct SlotMap: Sendable, Equatable {
    public struct Shard: Sendable, Equatable {
        public var slots: [ClosedRange<Int>]
        public var primary: ClusterNodeAddress
        public var replicas: [ClusterNodeAddress]

        public init(slots: [ClosedRange<Int>], primary: ClusterNodeAddress, replicas: [ClusterNodeAddress] = []) {
            self.slots = slots
            self.primary = primary
            self.replicas = replicas
        }

        public var slotCount: Int { slots.reduce(0) { $0 + $1.count } }
    }

    public private(set) var shards: [Shard]
    /// Slot to index in `shards`, -1 for a slot nobody serves: 32 KiB, looked up per channel.
    private var owners: [Int16]

    public init(shards: [Shard]) {
        self.shards = shards
        owners = Array(repeating: -1, count: HashSlot.count)
        for (index, shard) in shards.enumerated() {
            for range in shard.slots where range.lowerBound >= 0 && range.upperBound < HashSlot.count {
                for slot in range { owners[slot] = Int16(index) }
            }
        }
    }

    public func primary(forSlot slot: Int) -> ClusterNodeAddress? {
        guard slot >= 0, slot < HashSlot.count, owners[slot] >= 0 else { return nil }
        return shards[Int(owners[slot])].primary
    }

    public func primary(forChannel channel: String) -> ClusterNodeAddress? {
        primary(forSlot: HashSlot.of(channel))
    }

    /// Slots some primary serves (16,384 when the cluster is whole).
    public var servedSlotCount: Int { owners.lazy.filter { $0 >= 0 }.count }

    /// Every node named, primaries first: where to ask for the map next time.
    public var nodes: [ClusterNodeAddress] {
        var seen = Set<ClusterNodeAddress>()
        return (shards.map(\.primary) + shards.flatMap(\.replicas)).filter { seen.insert($0).inserted }
    }

    /// The slots a primary serves, as `0-5460,10923` for logs and `/health`.
    public func slotRanges(of primary: ClusterNodeAddress) -> String {
        shards.filter { $0.primary == primary }.flatMap(\.slots)
            .map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)-\($0.upperBound)" }.joined(separator: ",")
    }

    /// A `MOVED` answer: the slot is served by `node` now (ahead of the next full map).
    public mutating func move(slot: Int, to node: ClusterNodeAddress) {
        guard slot >= 0, slot < HashSlot.count else { return }
        if let index = shards.firstIndex(where: { $0.primary == node }) {
            owners[slot] = Int16(index)
        } else {
            shards.append(Shard(slots: [slot...slot], primary: node))
            owners[slot] = Int16(shards.count - 1)
        }
    }
}

extension SlotMap {
    /// `CLUSTER SHARDS`: per shard, `slots` (start/end pairs) and `nodes` (each with `ip`,
    /// `endpoint`, `port`, `role`, `health`), as a flat array (RESP2) or a map (RESP3).
    /// `asked` stands in for a node whose address the server does not know (`?` or empty).
    public static func parse(shards reply: RESPValue, asked: ClusterNodeAddress) throws(ClusterError) -> SlotMap {
        guard let entries = reply.array else { throw .malformedSlotMap("CLUSTER SHARDS is not an array") }
        var shards: [Shard] = []
        for entry in entries {
            let fields = try Self.fields(entry)
            guard let bounds = fields["slots"]?.array, bounds.count.isMultiple(of: 2),
                  let nodes = fields["nodes"]?.array else { throw .malformedSlotMap("a shard without slots or nodes") }
            var slots: [ClosedRange<Int>] = []
            for index in stride(from: 0, to: bounds.count, by: 2) {
                guard let start = Self.number(bounds[index]), let end = Self.number(bounds[index + 1]), start <= end,
                      start >= 0, end < HashSlot.count else { throw .malformedSlotMap("invalid slot range") }
                slots.append(start...end)
            }
            var primaries: [(address: ClusterNodeAddress, online: Bool)] = []
            var replicas: [ClusterNodeAddress] = []
            for node in nodes {
                let fields = try Self.fields(node)
                guard let port = (fields["port"] ?? fields["tls-port"]).flatMap(Self.number) else {
                    throw .malformedSlotMap("a node without a port")
                }
                let host = [fields["endpoint"]?.string, fields["ip"]?.string].compactMap { $0 }.first { !$0.isEmpty && $0 != "?" }
                let address = ClusterNodeAddress(host: host ?? asked.host, port: port)
                if fields["role"]?.string == "master" {
                    primaries.append((address, fields["health"]?.string != "failed"))
                } else {
                    replicas.append(address)
                }
            }
            // A shard that serves no slot (a primary that lost them all) routes nothing.
            guard !slots.isEmpty else { continue }
            // During a failover a shard may name its failed primary and the promoted one.
            guard let primary = primaries.first(where: \.online) ?? primaries.first else {
                throw .malformedSlotMap("a shard with slots and no primary")
            }
            shards.append(Shard(slots: slots, primary: primary.address, replicas: replicas))
        }
        return SlotMap(shards: shards)
    }

    /// `CLUSTER SLOTS` (before Redis 7): `[start, end, [ip, port, id, ...], replicas...]` per range.
    public static func parse(slots reply: RESPValue, asked: ClusterNodeAddress) throws(ClusterError) -> SlotMap {
        guard let entries = reply.array else { throw .malformedSlotMap("CLUSTER SLOTS is not an array") }
        var byPrimary: [ClusterNodeAddress: Shard] = [:]
        var order: [ClusterNodeAddress] = []
        for entry in entries {
            guard let parts = entry.array, parts.count >= 3, let start = Self.number(parts[0]), let end = Self.number(parts[1]),
                  start <= end, start >= 0, end < HashSlot.count else { throw .malformedSlotMap("invalid slot range") }
            let addresses = try parts[2...].map { node throws(ClusterError) -> ClusterNodeAddress in
                guard let fields = node.array, fields.count >= 2, let port = Self.number(fields[1]) else {
                    throw .malformedSlotMap("a node without an address")
                }
                let host = fields[0].string.flatMap { $0.isEmpty || $0 == "?" ? nil : $0 } ?? asked.host
                return ClusterNodeAddress(host: host, port: port)
            }
            let primary = addresses[0]
            if byPrimary[primary] == nil {
                order.append(primary)
                byPrimary[primary] = Shard(slots: [], primary: primary, replicas: Array(addresses.dropFirst()))
            }
            byPrimary[primary]!.slots.append(start...end)
        }
        return SlotMap(shards: order.map { byPrimary[$0]! })
    }

    /// A RESP2 flat array of names and values, or a RESP3 map, by name.
    private static func fields(_ value: RESPValue) throws(ClusterError) -> [String: RESPValue] {
        let flat: [RESPValue]
        switch value {
        case .map(let elements): flat = elements
        case .array(let elements?): flat = elements
        default: throw .malformedSlotMap("expected a list of fields")
        }
        guard flat.count.isMultiple(of: 2) else { throw .malformedSlotMap("an odd list of fields") }
        var fields: [String: RESPValue] = [:]
        for index in stride(from: 0, to: flat.count, by: 2) {
            if let name = flat[index].string { fields[name] = flat[index + 1] }
        }
        return fields
    }

    /// An integer reply, or a number sent as a string.
    private static func number(_ value: RESPValue) -> Int? {
        value.integer ?? value.string.flatMap { Int($0) }
    }
}

/// A cluster's redirection, `MOVED 3999 127.0.0.1:6381` or `ASK 3999 127.0.0.1:6381`.
public struct ClusterRedirect: Sendable, Equatable {
    public var slot: Int
    public var node: ClusterNodeAddress
    /// ASK: this one command goes to `node` (after ASKING); the slot map stays.
    public var isAsk: Bool

    /// `askedHost` stands in for an empty host (`MOVED 3999 :6381`: the server does not know its own).
    public init?(_ error: String, askedHost: String = "127.0.0.1") {
        let words = error.split(separator: " ")
        guard words.count == 3, words[0] == "MOVED" || words[0] == "ASK", let slot = Int(words[1]), slot >= 0,
              slot < HashSlot.count,
              let node = ClusterNodeAddress(words[2].hasPrefix(":") ? askedHost + words[2] : String(words[2])) else { return nil }
        self.slot = slot
        self.node = node
        isAsk = words[0] == "ASK"
    }
}

extension SlotMap {
    /// Subscribers of each channel on the node that serves it (PUBSUB SHARDNUMSUB there, or
    /// NUMSUB on slot 0's primary for classic): a publish can reach those, and only those.
    public func subscriberCounts(of channels: [String], mode: PubSubMode, credentials: RedisURL = RedisURL(),
                                 eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> [String: Int] {
        var byNode: [ClusterNodeAddress: [String]] = [:]
        var counts: [String: Int] = [:]
        for channel in channels {
            guard let node = mode == .sharded ? primary(forChannel: channel) : primary(forSlot: 0) else {
                counts[channel] = 0
                continue
            }
            byNode[node, default: []].append(channel)
        }
        for (node, names) in byNode {
            let connection = try await RESPConnection.connect(to: node.url(credentials: credentials), eventLoopGroup: eventLoopGroup)
            defer { Task { await connection.close() } }
            for start in stride(from: 0, to: names.count, by: 1000) {
                let batch = Array(names[start..<min(names.count, start + 1000)])
                let reply = try await connection.send(["PUBSUB", mode == .sharded ? "SHARDNUMSUB" : "NUMSUB"] + batch)
                let flat = reply.array ?? []
                for index in stride(from: 0, to: flat.count - 1, by: 2) {
                    if let name = flat[index].string { counts[name] = flat[index + 1].integer ?? 0 }
                }
            }
        }
        return counts
    }
}
