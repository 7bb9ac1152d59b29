import Foundation
import GRDB
import Hummingbird
import Logging
import Messages
import LaravelValidation

/// The five actions of `POST /api/websocket/message`.
struct ChargingActions: Sendable {
    let database: BackendDatabase
    let cms: CMSClient
    let logger: Logger

    func handle(_ request: BackendRequest) async throws(ActionFailure) -> JSONValue {
        switch request.action {
        case .startCharging: return try await startCharging(request.data, userID: request.userId)
        case .stopCharging: return try await stopCharging(request.data, userID: request.userId)
        case .getChargerStatus: return try await chargerStatus(request.data)
        case .getActiveSession: return try await activeSession(userID: request.userId)
        case .listChargers: return try await listChargers()
        default:
            throw ActionFailure(status: .badRequest, error: "Unknown action", message: "The action '\(request.action)' is not supported")
        }
    }

    // MARK: start_charging

    func startCharging(_ data: JSONValue, userID: Int) async throws(ActionFailure) -> JSONValue {
        let chargerID = try Validate.requiredString(data, "charger_id")
        let connectorID = try Validate.optionalPositiveInt(data, "connector_id") ?? 1
        let now = Timestamp.now()

        let created: (sessionID: Int, transactionID: Int, idTag: String)
        do {
            created = try database.write { db throws -> (Int, Int, String) in
                guard let chargerStatus = try String.fetchOne(db.cached("SELECT status FROM chargers WHERE id = ?"), arguments: [chargerID]) else {
                    throw ActionFailure(status: .notFound, error: "Charger not found", message: "No charger with id \(chargerID)")
                }
                guard let status = try String.fetchOne(db.cached("SELECT status FROM connectors WHERE charger_id = ? AND connector_id = ?"), arguments: [chargerID, connectorID])
                else {
                    throw ActionFailure(
                        status: .notFound, error: "Connector not found", message: "Charger \(chargerID) has no connector \(connectorID)")
                }
                if try Self.activeSessionID(db, userID: userID) != nil {
                    throw ActionFailure(
                        status: .conflict, error: "Session already active", message: "You already have an active charging session")
                }
                // An offline, unpowered or faulted charger, or a busy connector, is not available.
                // A Reserved connector is the charger's to refuse: it knows whose card holds it.
                guard ["Available", "Preparing", "Reserved"].contains(status), chargerStatus == "Available",
                      try Bool.fetchOne(db.cached("SELECT 1 FROM sessions WHERE charger_id = ? AND connector_id = ? AND status IN ('initiated','charging','stopping')"), arguments: [chargerID, connectorID]) == nil
                else { throw ActionFailure.chargerNotAvailable }
                let idTag = try String.fetchOne(db.cached("SELECT id_tag FROM users WHERE id = ?"), arguments: [userID]) ?? "USER\(userID)"
                let transactionID = (try Int.fetchOne(db.cached("SELECT MAX(transaction_id) FROM sessions WHERE transaction_id < ?"), arguments: [BackendDatabase.firstCMSTransactionID]) ?? 788) + 1
                try db.run(
                    sql: """
                        INSERT INTO sessions (transaction_id, user_id, charger_id, connector_id, id_tag, status, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, 'initiated', ?, ?)
                        """,
                    arguments: [transactionID, userID, chargerID, connectorID, idTag, now, now])
                let sessionID = Int(db.lastInsertedRowID)
                try db.run(
                    sql: "UPDATE connectors SET watcher_user_id = ? WHERE charger_id = ? AND connector_id = ?",
                    arguments: [userID, chargerID, connectorID])
                return (sessionID, transactionID, idTag)
            }
        } catch let failure as ActionFailure {
            throw failure
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            // Lost a race for the connector (or the user's one session) to another request.
            throw ActionFailure.chargerNotAvailable
        } catch {
            logger.error("start_charging failed", metadata: ["error": "\(error)"])
            throw ActionFailure(status: .internalServerError, error: "Server Error", message: "The session could not be created")
        }

        do {
            let result = try await cms.remoteStart(
                chargerID: chargerID, connectorID: connectorID, idTag: created.idTag, transactionID: created.transactionID)
            guard result.isAccepted else {
                await markFailed(created.sessionID, reason: result.reason ?? "Rejected by the charger")
                throw ActionFailure(
                    status: .conflict, error: "Charger not available",
                    message: "The charger rejected the remote start: \(result.reason ?? "no reason given")")
            }
        } catch let failure as ActionFailure {
            throw failure
        } catch {
            logger.warning("CMS unreachable for remote start", metadata: ["error": "\(error)"])
            await markFailed(created.sessionID, reason: CMSClient.unreachable)
            throw ActionFailure(
                status: .serviceUnavailable, error: "Charger unreachable", message: "The charging management system could not be reached")
        }
        return (try? JSONValue(encoding: StartChargingResult(
            sessionID: created.sessionID, transactionID: created.transactionID, chargerID: chargerID, connectorID: connectorID)))
            ?? .object([:])
    }

    private func markFailed(_ sessionID: Int, reason: String) async {
        _ = try? database.write { db in
            try db.run(
                sql: "UPDATE sessions SET status = 'failed', failure_reason = ?, updated_at = ? WHERE id = ?",
                arguments: [reason, Timestamp.now(), sessionID])
            // Nothing happened on the connector: its updates are no longer this user's business.
            try db.run(
                sql: """
                    UPDATE connectors SET watcher_user_id = NULL WHERE status = 'Available'
                    AND (charger_id, connector_id) = (SELECT charger_id, connector_id FROM sessions WHERE id = ?)
                    """,
                arguments: [sessionID])
        }
    }

    // MARK: stop_charging

    func stopCharging(_ data: JSONValue, userID: Int) async throws(ActionFailure) -> JSONValue {
        let chargerID = try Validate.optionalString(data, "charger_id")
        let session: SessionRow? = try read { db in
            var sql = "SELECT * FROM sessions WHERE user_id = ? AND status IN ('initiated','charging','stopping')"
            var arguments: StatementArguments = [userID]
            if let chargerID {
                sql += " AND charger_id = ?"
                arguments += [chargerID]
            }
            return try SessionRow.fetchOne(db.cached(sql), arguments: arguments)
        }
        guard let session else {
            throw ActionFailure(
                status: .notFound, error: "No active session",
                message: chargerID.map { "You have no active charging session on \($0)" } ?? "You have no active charging session")
        }
        do {
            let result = try await cms.remoteStop(
                chargerID: session.chargerID, connectorID: session.connectorID, transactionID: session.transactionID)
            guard result.isAccepted else {
                throw ActionFailure(
                    status: .conflict, error: "Stop rejected", message: "The charger rejected the remote stop: \(result.reason ?? "no reason given")")
            }
        } catch let failure as ActionFailure {
            throw failure
        } catch {
            logger.warning("CMS unreachable for remote stop", metadata: ["error": "\(error)"])
            throw ActionFailure(
                status: .serviceUnavailable, error: "Charger unreachable", message: "The charging management system could not be reached")
        }
        _ = try? database.write { db in
            try db.run(
                sql: "UPDATE sessions SET status = 'stopping', updated_at = ? WHERE id = ? AND status IN ('initiated','charging')",
                arguments: [Timestamp.now(), session.id])
        }
        return (try? JSONValue(encoding: StopChargingResult(
            sessionID: session.id, transactionID: session.transactionID,
            energyDelivered: session.energyDelivered, duration: session.duration))) ?? .object([:])
    }

    // MARK: Queries

    func chargerStatus(_ data: JSONValue) async throws(ActionFailure) -> JSONValue {
        let chargerID = try Validate.requiredString(data, "charger_id")
        guard let status = try read({ db in try Self.chargerStatus(db, chargerID: chargerID) }) else {
            throw ActionFailure(status: .notFound, error: "Charger not found", message: "No charger with id \(chargerID)")
        }
        return (try? JSONValue(encoding: status)) ?? .object([:])
    }

    func listChargers() async throws(ActionFailure) -> JSONValue {
        let chargers = try read { db in
            try String.fetchAll(db.cached("SELECT id FROM chargers ORDER BY id")).compactMap { try Self.chargerStatus(db, chargerID: $0) }
        }
        return (try? JSONValue(encoding: ChargerListResult(chargers: chargers))) ?? .object([:])
    }

    func activeSession(userID: Int) async throws(ActionFailure) -> JSONValue {
        let session = try read { db in
            try SessionRow.fetchOne(db.cached("SELECT * FROM sessions WHERE user_id = ? AND status IN ('initiated','charging','stopping')"), arguments: [userID])
        }
        guard let session else {
            throw ActionFailure(status: .notFound, error: "No active session", message: "You have no active charging session")
        }
        return (try? JSONValue(encoding: ActiveSessionResult(
            sessionID: session.id, transactionID: session.transactionID, chargerID: session.chargerID,
            connectorID: session.connectorID, status: session.status, energyDelivered: session.energyDelivered,
            power: session.power, duration: session.duration, startTime: session.startTime))) ?? .object([:])
    }

    static func chargerStatus(_ db: Database, chargerID: String) throws -> ChargerStatusResult? {
        guard let row = try Row.fetchOne(db.cached("SELECT id, name, status FROM chargers WHERE id = ?"), arguments: [chargerID]) else {
            return nil
        }
        let connectors = try Row.fetchAll(
            db.cached("SELECT connector_id, status FROM connectors WHERE charger_id = ? ORDER BY connector_id"), arguments: [chargerID]
        ).map { ChargerStatusResult.Connector(connectorID: $0["connector_id"], status: $0["status"]) }
        return ChargerStatusResult(chargerID: row["id"], name: row["name"], status: row["status"], connectors: connectors)
    }

    static func activeSessionID(_ db: Database, userID: Int) throws -> Int? {
        try Int.fetchOne(db.cached("SELECT id FROM sessions WHERE user_id = ? AND status IN ('initiated','charging','stopping')"), arguments: [userID])
    }

    private func read<T>(_ body: (Database) throws -> T) throws(ActionFailure) -> T {
        do {
            return try database.read(body)
        } catch {
            logger.error("database read failed", metadata: ["error": "\(error)"])
            throw ActionFailure(status: .internalServerError, error: "Server Error", message: "The database could not be read")
        }
    }
}

/// A row of `sessions`.
struct SessionRow: FetchableRecord, Sendable {
    var id: Int
    var transactionID: Int
    /// Nil for a walk-in session (started at the charger with a card no app user has).
    var userID: Int?
    var chargerID: String
    var connectorID: Int
    var status: String
    var meterStart: Int?
    var energyDelivered: Double
    var power: Double
    var duration: Int
    var startTime: String?
    var failureReason: String?
    var createdAt: String

    init(row: Row) {
        id = row["id"]
        transactionID = row["transaction_id"]
        userID = row["user_id"]
        chargerID = row["charger_id"]
        connectorID = row["connector_id"]
        status = row["status"]
        meterStart = row["meter_start"]
        energyDelivered = row["energy_delivered"]
        power = row["power"]
        duration = row["duration"]
        startTime = row["start_time"]
        failureReason = row["failure_reason"]
        createdAt = row["created_at"]
    }
}

/// Laravel-style checks of an action's `data`; failures are 422 with `errors` per field.
enum Validate {
    static func requiredString(_ data: JSONValue, _ field: String) throws(ActionFailure) -> String {
        guard let value = data[field], !value.isNull else { throw .validation(field, LaravelMessage.required(field)) }
        guard let text = value.stringValue, !text.isEmpty else { throw .validation(field, LaravelMessage.string(field)) }
        return text
    }

    static func optionalString(_ data: JSONValue, _ field: String) throws(ActionFailure) -> String? {
        guard let value = data[field], !value.isNull else { return nil }
        guard let text = value.stringValue, !text.isEmpty else { throw .validation(field, LaravelMessage.string(field)) }
        return text
    }

    static func optionalPositiveInt(_ data: JSONValue, _ field: String) throws(ActionFailure) -> Int? {
        guard let value = data[field], !value.isNull else { return nil }
        guard case .int(let number) = value else { throw .validation(field, LaravelMessage.integer(field)) }
        guard number >= 1 else { throw .validation(field, LaravelMessage.atLeast(field, 1)) }
        return number
    }
}
