import Fleet
import Foundation
import GRDB
import HopTrace

/// The SQLite database: versioned migrations, WAL, foreign keys; seeded on first start.
struct BackendDatabase: Sendable {
    let pool: DatabasePool

    init(path: String, fleet: FleetDefinition) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        // In WAL mode NORMAL loses nothing when the process dies (SIGKILL included); only a
        // power cut can take the last commits. FULL would fsync every commit.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
        try pool.write { db in try Self.seed(db, fleet: fleet) }
    }

    /// Reads and writes run on the calling task's thread: a statement here takes microseconds,
    /// less than the two thread hops of GRDB's async variants, which cost most of a request's
    /// CPU time when measured (scripts/bench-backend). WAL keeps readers off the writer's lock.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try pool.read(body)
    }

    func write<T>(_ body: (Database) throws -> T) throws -> T {
        // The writer's queue may run the body on another thread: the request's trace goes with it
        // (the outbox keeps it with each message).
        let trace = TraceParent.current
        return try pool.write { db in try TraceParent.$current.withValue(trace) { try body(db) } }
    }

    /// `settings` key of the URL the CMS last announced (`cms_online`).
    static let announcedCMSURL = "cms_url"

    static func setSetting(_ db: Database, _ key: String, to value: String) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)", arguments: [key, value])
    }

    func setting(_ key: String) throws -> String? {
        try read { db in try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key]) }
    }

    static let activeStatuses = ["initiated", "charging", "stopping"]

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: users, chargers, sessions") { db in
            try db.execute(sql: """
                CREATE TABLE users (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL,
                    email TEXT NOT NULL UNIQUE,
                    password_hash TEXT NOT NULL,
                    id_tag TEXT NOT NULL
                );
                CREATE TABLE chargers (
                    id TEXT PRIMARY KEY,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    status TEXT NOT NULL DEFAULT 'Available'
                );
                CREATE TABLE connectors (
                    charger_id TEXT NOT NULL REFERENCES chargers(id) ON DELETE CASCADE,
                    connector_id INTEGER NOT NULL,
                    status TEXT NOT NULL DEFAULT 'Available',
                    error_code TEXT,
                    PRIMARY KEY (charger_id, connector_id)
                );
                CREATE TABLE sessions (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    transaction_id INTEGER NOT NULL UNIQUE,
                    user_id INTEGER NOT NULL REFERENCES users(id),
                    charger_id TEXT NOT NULL,
                    connector_id INTEGER NOT NULL,
                    id_tag TEXT NOT NULL,
                    status TEXT NOT NULL,
                    meter_start INTEGER,
                    meter_stop INTEGER,
                    energy_delivered REAL NOT NULL DEFAULT 0,
                    power REAL NOT NULL DEFAULT 0,
                    duration INTEGER NOT NULL DEFAULT 0,
                    start_time TEXT,
                    stop_time TEXT,
                    stop_reason TEXT,
                    failure_reason TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    FOREIGN KEY (charger_id, connector_id) REFERENCES connectors(charger_id, connector_id)
                );
                -- One live session per connector and per user: the database settles races.
                CREATE UNIQUE INDEX sessions_one_per_connector ON sessions(charger_id, connector_id)
                    WHERE status IN ('initiated', 'charging', 'stopping');
                CREATE UNIQUE INDEX sessions_one_per_user ON sessions(user_id)
                    WHERE status IN ('initiated', 'charging', 'stopping');
                CREATE TABLE meter_values (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
                    energy_delivered REAL NOT NULL,
                    power REAL NOT NULL,
                    meter_value INTEGER NOT NULL,
                    timestamp TEXT NOT NULL
                );
                CREATE INDEX meter_values_by_session ON meter_values(session_id);
                CREATE TABLE revoked_tokens (
                    jti TEXT PRIMARY KEY,
                    expires_at INTEGER NOT NULL
                );
                CREATE TABLE settings (
                    key TEXT PRIMARY KEY,
                    value TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2: user timestamps, connector watchers, outbox") { db in
            try db.execute(sql: """
                ALTER TABLE users ADD COLUMN email_verified_at TEXT;
                ALTER TABLE users ADD COLUMN created_at TEXT;
                ALTER TABLE users ADD COLUMN updated_at TEXT;
                -- The user who receives a connector's charger_updates: set when a session starts,
                -- cleared when the connector is Available again after it.
                ALTER TABLE connectors ADD COLUMN watcher_user_id INTEGER REFERENCES users(id);
                -- Messages for Redis, written in the transaction of the change they announce and
                -- deleted once published, so a Redis outage or a crash loses none.
                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    channel TEXT NOT NULL,
                    payload TEXT NOT NULL,
                    created_at TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v3: walk-in sessions (no app user)") { db in
            // SQLite cannot drop NOT NULL in place: the table is rebuilt (foreign keys are
            // checked once the migration is done).
            try db.execute(sql: """
                CREATE TABLE sessions_v3 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    transaction_id INTEGER NOT NULL UNIQUE,
                    user_id INTEGER REFERENCES users(id),
                    charger_id TEXT NOT NULL,
                    connector_id INTEGER NOT NULL,
                    id_tag TEXT NOT NULL,
                    status TEXT NOT NULL,
                    meter_start INTEGER,
                    meter_stop INTEGER,
                    energy_delivered REAL NOT NULL DEFAULT 0,
                    power REAL NOT NULL DEFAULT 0,
                    duration INTEGER NOT NULL DEFAULT 0,
                    start_time TEXT,
                    stop_time TEXT,
                    stop_reason TEXT,
                    failure_reason TEXT,
                    created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL,
                    FOREIGN KEY (charger_id, connector_id) REFERENCES connectors(charger_id, connector_id)
                );
                INSERT INTO sessions_v3 SELECT * FROM sessions;
                DROP TABLE sessions;
                ALTER TABLE sessions_v3 RENAME TO sessions;
                CREATE UNIQUE INDEX sessions_one_per_connector ON sessions(charger_id, connector_id)
                    WHERE status IN ('initiated', 'charging', 'stopping');
                CREATE UNIQUE INDEX sessions_one_per_user ON sessions(user_id)
                    WHERE status IN ('initiated', 'charging', 'stopping') AND user_id IS NOT NULL;
                """)
        }
        migrator.registerMigration("v4: the trace of each outbox message") { db in
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN traceparent TEXT")
        }
        return migrator
    }

    /// Transaction ids from here up are the CMS's own (sessions started at the charger).
    static let firstCMSTransactionID = 1_000_000_000

    /// One bcrypt of "password" per process: hashing is slow on purpose, and a mock's demo users
    /// need no salt of their own.
    static let seededPasswordHash = PasswordHasher.hash(SeededUser.password)

    /// The demo user (123, as in the spec's examples), a few more, and the fleet's chargers.
    static func seed(_ db: Database, fleet: FleetDefinition) throws {
        let now = LaravelTime.now()
        for user in SeededUser.all {
            guard try Bool.fetchOne(db, sql: "SELECT 1 FROM users WHERE id = ?", arguments: [user.id]) == nil else { continue }
            // Every seeded user's password is "password", as in Laravel's default factory.
            try db.execute(
                sql: """
                    INSERT INTO users (id, name, email, password_hash, id_tag, email_verified_at, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [user.id, user.name, user.email, seededPasswordHash, user.idTag, now, now, now])
        }
        for charger in fleet.chargers {
            try db.execute(
                sql: "INSERT OR IGNORE INTO chargers (id, name, kind) VALUES (?, ?, ?)",
                arguments: [charger.id, charger.name, charger.kind.rawValue])
            for connector in 1...charger.connectors {
                try db.execute(
                    sql: "INSERT OR IGNORE INTO connectors (charger_id, connector_id) VALUES (?, ?)",
                    arguments: [charger.id, connector])
            }
        }
    }
}

extension BackendDatabase {
    /// Back to the seeded state, as a fresh database file would be: no sessions, meter values,
    /// queued messages or revoked tokens, every connector Available with nobody watching it,
    /// only the seeded users, and ids counted from the start again. The CMS's announced URL
    /// (a setting of the running stack, not test data) stays.
    func reset(fleet: FleetDefinition) throws {
        try write { db in
            try db.execute(sql: """
                DELETE FROM meter_values;
                DELETE FROM sessions;
                DELETE FROM outbox;
                DELETE FROM revoked_tokens;
                UPDATE connectors SET status = 'Available', error_code = NULL, watcher_user_id = NULL;
                UPDATE chargers SET status = 'Available';
                DELETE FROM users;
                DELETE FROM sqlite_sequence;
                """)
            try Self.seed(db, fleet: fleet)
        }
    }
}

extension Database {
    /// `execute(sql:arguments:)` for one statement, through the connection's statement cache:
    /// the hot paths skip SQLite's parser and GRDB's statement analysis (measured: most of the
    /// CPU time of a small write).
    func run(sql: String, arguments: StatementArguments = []) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// A cached statement to fetch with: `Row.fetchOne(db.cached(sql), arguments: ...)`.
    func cached(_ sql: String) throws -> Statement {
        try cachedStatement(sql: sql)
    }
}
