import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Synchronization

/// What CLIENT LIST shows of one connection.
struct ClientSnapshot: Sendable {
    let id: Int
    let address: String
    let localAddress: String
    let createdAt: Date
    var name = ""
    var database = 0
    var channels = 0
    var patterns = 0
    var shardChannels = 0
    var lastCommand = "NULL"
    var lastActive = Date()
    var protocolVersion = 2
}

/// One connection's entry: its own lock, so that a command updates it without touching the
/// registry's.
final class ClientRecord: Sendable {
    let id: Int
    let channel: any Channel
    private let state: NIOLockedValueBox<ClientSnapshot>

    init(snapshot: ClientSnapshot, channel: any Channel) {
        self.id = snapshot.id
        self.channel = channel
        self.state = NIOLockedValueBox(snapshot)
    }
    var snapshot: ClientSnapshot { state.withLockedValue { $0 } }

    func update(_ change: (inout ClientSnapshot) -> Void) {
        state.withLockedValue { change(&$0) }
    }
}

/// Every connection of the server, for CLIENT ID/LIST/KILL and INFO clients.
final class ClientRegistry: Sendable {
    private let records = NIOLockedValueBox<[Int: ClientRecord]>([:])
    private let nextID = Atomic<Int>(1)
    private let totalConnections = Atomic<Int>(0)

    func register(_ channel: any Channel) -> ClientRecord {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        totalConnections.wrappingAdd(1, ordering: .relaxed)
        let snapshot = ClientSnapshot(
            id: id, address: Self.describe(channel.remoteAddress), localAddress: Self.describe(channel.localAddress), createdAt: Date())
        let record = ClientRecord(snapshot: snapshot, channel: channel)
        records.withLockedValue { $0[id] = record }
        return record
    }

    func unregister(_ id: Int) {
        records.withLockedValue { _ = $0.removeValue(forKey: id) }
    }

    var snapshots: [ClientSnapshot] {
        records.withLockedValue { Array($0.values) }.map(\.snapshot).sorted { $0.id < $1.id }
    }

    var connectedCount: Int { records.withLockedValue { $0.count } }
    var totalReceived: Int { totalConnections.load(ordering: .relaxed) }

    /// Closes the connections that match; returns how many.
    func kill(where predicate: (ClientSnapshot) -> Bool) -> Int {
        let channels = records.withLockedValue { Array($0.values) }.filter { predicate($0.snapshot) }.map(\.channel)
        for channel in channels { channel.close(promise: nil) }
        return channels.count
    }

    static func describe(_ address: SocketAddress?) -> String {
        guard let address, let ip = address.ipAddress, let port = address.port else { return "?" }
        return "\(ip):\(port)"
    }
}

/// Counters for INFO stats.
final class ServerStats: Sendable {
    let startedAt = Date()
    let commandsProcessed = Atomic<Int>(0)
    let keyspaceHits = Atomic<Int>(0)
    let keyspaceMisses = Atomic<Int>(0)
    let rejectedConnections = Atomic<Int>(0)
}
