import Foundation
import NIOConcurrencyHelpers

/// The small key space (strings only) that lets a backend keep simple state, in Redis's 16
/// numbered databases. Keys expire lazily, when touched, and in a periodic sweep.
final class KeySpace: Sendable {
    static let databaseCount = 16

    struct Entry: Sendable {
        var value: [UInt8]
        /// Milliseconds since 1970; nil for no expiry.
        var expiresAt: Int64?
    }

    fileprivate struct Database {
        var entries: [[UInt8]: Entry] = [:]
        var withExpiry: Set<[UInt8]> = []
    }

    private let databases = NIOLockedValueBox([Database](repeating: Database(), count: KeySpace.databaseCount))
    private let clock: @Sendable () -> Int64

    init(clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.clock = clock
    }

    var now: Int64 { clock() }

    /// Runs `body` on one database with the keys that have expired already gone.
    func withDatabase<T>(_ index: Int, key: [UInt8]? = nil, _ body: (inout Keys) -> T) -> T {
        let now = clock()
        return databases.withLockedValue { databases in
            var keys = Keys(database: databases[index], now: now)
            if let key { keys.expireIfDue(key) }
            defer { databases[index] = keys.database }
            return body(&keys)
        }
    }

    /// The operations of one database, under the lock.
    struct Keys {
        fileprivate var database: Database
        let now: Int64

        fileprivate init(database: Database, now: Int64) {
            self.database = database
            self.now = now
        }

        fileprivate mutating func expireIfDue(_ key: [UInt8]) {
            if let expiresAt = database.entries[key]?.expiresAt, expiresAt <= now { remove(key) }
        }

        subscript(key: [UInt8]) -> Entry? {
            guard let entry = database.entries[key], entry.expiresAt.map({ $0 > now }) ?? true else { return nil }
            return entry
        }

        mutating func set(_ key: [UInt8], _ entry: Entry) {
            database.entries[key] = entry
            if entry.expiresAt == nil { database.withExpiry.remove(key) } else { database.withExpiry.insert(key) }
        }

        @discardableResult
        mutating func remove(_ key: [UInt8]) -> Bool {
            database.withExpiry.remove(key)
            return database.entries.removeValue(forKey: key) != nil
        }

        var count: Int { database.entries.values.count { $0.expiresAt.map { $0 > now } ?? true } }

        var liveKeys: [[UInt8]] { database.entries.compactMap { $0.value.expiresAt.map { $0 > now } ?? true ? $0.key : nil } }

        mutating func removeAll() { database = Database() }

        var expiringCount: Int { database.withExpiry.count }

        /// Removes up to `limit` expired keys; returns how many.
        mutating func sweep(limit: Int) -> Int {
            var removed = 0
            for key in database.withExpiry.prefix(limit * 4) where removed < limit {
                if let expiresAt = database.entries[key]?.expiresAt, expiresAt <= now {
                    remove(key)
                    removed += 1
                }
            }
            return removed
        }
    }

    func flushAll() {
        databases.withLockedValue { databases in
            for index in databases.indices { databases[index] = Database() }
        }
    }

    /// The periodic half of expiry: a bounded pass over each database's expiring keys.
    @discardableResult
    func sweepExpired(limitPerDatabase: Int = 200) -> Int {
        (0..<Self.databaseCount).reduce(0) { total, index in
            total + withDatabase(index) { $0.sweep(limit: limitPerDatabase) }
        }
    }

    /// INFO keyspace: `db0:keys=1,expires=0,avg_ttl=0` lines for databases with keys.
    func keyspaceLines() -> [String] {
        (0..<Self.databaseCount).compactMap { index in
            withDatabase(index) { keys in
                let count = keys.count
                return count == 0 ? nil : "db\(index):keys=\(count),expires=\(keys.expiringCount),avg_ttl=0,subexpiry=0"
            }
        }
    }
}
