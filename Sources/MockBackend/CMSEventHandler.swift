import Foundation
import GRDB
import Logging
import Messages
import LaravelValidation

/// `POST /api/cms/events`: stores what the CMS reports and, in the same transaction, the
/// spec's section 3 messages for the user concerned (the outbox publishes them).
///
/// Who receives a charger's updates: the connector's watcher, the user whose session started
/// on it, from the start until the connector is Available again after the session. A
/// charger-wide event (no connector) goes to the watchers of all its connectors.
struct CMSEventHandler: Sendable {
    let database: BackendDatabase
    let cms: CMSClient
    let relay: OutboxRelay
    let logger: Logger

    func handle(_ event: CMSEvent) async throws(ActionFailure) {
        if let refusal = try handle(batch: [event]).first { throw refusal.failure }
    }

    /// Events in one transaction, each in a savepoint: one the backend refuses (a 4xx of its
    /// own) does not undo the others. Returns the refused ones by index; a failure of the
    /// database itself throws, and nothing of the batch is kept.
    func handle(batch events: [CMSEvent]) throws(ActionFailure) -> [(index: Int, failure: ActionFailure)] {
        var refused: [(index: Int, failure: ActionFailure)] = []
        var announced: [String] = []
        do {
            try database.write { db in
                for (index, event) in events.enumerated() {
                    do {
                        try db.inSavepoint {
                            if let url = try Self.store(event, db: db) { announced.append(url) }
                            return .commit
                        }
                    } catch let failure as ActionFailure {
                        refused.append((index, failure))
                    } catch let error as DecodingError {
                        refused.append((index, ActionFailure(status: .unprocessableContent, error: "Validation failed", message: "Invalid event data: \(error)")))
                    }
                }
            }
        } catch {
            logger.error("could not store CMS events", metadata: ["error": "\(error)"])
            throw ActionFailure(status: .internalServerError, error: "Server Error", message: "The events could not be stored")
        }
        for url in announced { cms.announce(url: url) }
        for (index, failure) in refused {
            logger.info("CMS event refused", metadata: ["event": "\(events[index].event)", "charger": "\(events[index].chargerID)", "error": "\(failure.message)"])
        }
        relay.wake()
        return refused
    }

    /// Stores one event and queues its messages; returns the URL of a `cms_online`.
    private static func store(_ event: CMSEvent, db: Database) throws -> String? {
        switch event.event {
        case .cmsOnline:
            guard let url = event.data["url"]?.stringValue, url.hasPrefix("http") else {
                throw ActionFailure.validation("data.url", "The data.url field must be an http URL.")
            }
            // Remembered, so a restarted backend still reaches a CMS that announced itself once.
            try BackendDatabase.setSetting(db, BackendDatabase.announcedCMSURL, to: url)
            try closeOrphanedSessions(db, bootedAt: event.data["booted_at"]?.stringValue.flatMap(Timestamp.date(from:)))
            return url
        case .sessionStarted, .meterValue, .sessionStopped, .sessionCompleted, .sessionError:
            guard let transactionID = event.transactionID else {
                throw ActionFailure.validation("transaction_id", LaravelMessage.required("transaction_id"))
            }
            try storeSessionEvent(event, transactionID: transactionID, db: db)
        case .statusChanged, .connectorStatusChanged, .error, .configurationChanged:
            try storeChargerEvent(event, db: db)
        default:
            throw ActionFailure(status: .unprocessableContent, error: "Unknown event", message: "The event '\(event.event)' is not supported")
        }
        return nil
    }

    /// The CMS (re)started and keeps nothing across restarts: sessions the backend still
    /// thinks are live are over. Each fails with a `session_error` to its user, and every
    /// connector is Available again, as the chargers report it after a boot.
    /// - Parameter bootedAt: when the CMS started; sessions created since then are its own (its
    ///   events travel on several lanes and may overtake the announcement).
    private static func closeOrphanedSessions(_ db: Database, bootedAt: Date?) throws {
        let live = try SessionRow.fetchAll(db.cached("SELECT * FROM sessions WHERE status IN ('initiated','charging','stopping')"))
        let orphans = live.filter { session in
            guard let bootedAt, let created = Timestamp.date(from: session.createdAt) else { return true }
            return created < bootedAt
        }
        let reason = "The charging management system restarted"
        let now = Timestamp.now()
        for session in orphans {
            try db.run(
                sql: "UPDATE sessions SET status = 'failed', power = 0, failure_reason = ?, updated_at = ? WHERE id = ?",
                arguments: [reason, now, session.id])
            guard let userID = session.userID else { continue }
            let data: JSONValue = [
                "charger_id": .string(session.chargerID), "connector_id": .int(session.connectorID),
                "error_code": "OtherError", "message": .string(reason), "timestamp": .string(now),
            ]
            let update = SessionUpdate(sessionID: session.id, transactionID: session.transactionID, event: .sessionError, data: data)
            try Outbox.enqueue(update, to: .sessionUpdates, user: userID, in: db)
            if let notification = notification(for: .sessionError, session: session) {
                try Outbox.enqueue(notification, to: .notifications, user: userID, in: db)
            }
        }
        // Every connector is free after the boot, but those the new run already uses.
        try db.run(sql: """
            UPDATE connectors SET status = 'Available', error_code = NULL, watcher_user_id = NULL
            WHERE NOT EXISTS (SELECT 1 FROM sessions WHERE sessions.charger_id = connectors.charger_id
                AND sessions.connector_id = connectors.connector_id AND status IN ('initiated','charging','stopping'))
            """)
        try db.run(sql: "UPDATE chargers SET status = 'Available'")
    }

    // MARK: Session events

    private static func storeSessionEvent(_ event: CMSEvent, transactionID: Int, db: Database) throws {
        let known = try SessionRow.fetchOne(db.cached("SELECT * FROM sessions WHERE transaction_id = ?"), arguments: [transactionID])
        guard let session = try known ?? walkInSession(event, transactionID: transactionID, db: db) else {
            throw ActionFailure(status: .notFound, error: "Unknown transaction", message: "No session has transaction \(transactionID)")
        }
        var fields = event.data.objectValue ?? [:]
        fields["charger_id"] = .string(event.chargerID)
        fields["connector_id"] = .int(session.connectorID)
        let data = JSONValue.object(fields)
        try store(event.event, data: data, session: session, db: db)

        // A walk-in driver with no app has nobody to tell.
        guard let userID = session.userID else { return }
        let at = occurredAt(data)
        let update = SessionUpdate(
            sessionID: session.id, transactionID: session.transactionID, event: SessionEvent(rawValue: event.event.rawValue), data: data,
            timestamp: at)
        try Outbox.enqueue(update, to: .sessionUpdates, user: userID, in: db)
        if let notification = notification(for: event.event, session: session, at: at) {
            try Outbox.enqueue(notification, to: .notifications, user: userID, in: db)
        }
    }

    /// A session started at the charger (an RFID card, not the app): `session_started` for a
    /// transaction the backend did not ask for. It belongs to the app user whose card it is,
    /// when that user has no other session; to nobody otherwise.
    private static func walkInSession(_ event: CMSEvent, transactionID: Int, db: Database) throws -> SessionRow? {
        guard event.event == .sessionStarted, let connectorID = event.connectorID,
              let idTag = event.data["id_tag"]?.stringValue
        else { return nil }
        let now = Timestamp.now()
        var owner = try Int.fetchOne(db.cached("SELECT id FROM users WHERE id_tag = ?"), arguments: [idTag])
        if let user = owner, try ChargingActions.activeSessionID(db, userID: user) != nil { owner = nil }
        do {
            try db.run(
                sql: """
                    INSERT INTO sessions (transaction_id, user_id, charger_id, connector_id, id_tag, status, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, 'initiated', ?, ?)
                    """,
                arguments: [transactionID, owner, event.chargerID, connectorID, idTag, now, now])
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            // The backend has another live session there, or no such connector: retrying will not help.
            throw ActionFailure(
                status: .conflict, error: "Connector busy",
                message: "\(event.chargerID)/\(connectorID) cannot take transaction \(transactionID): \(error.message ?? "constraint")")
        }
        if let owner {
            try db.run(
                sql: "UPDATE connectors SET watcher_user_id = ? WHERE charger_id = ? AND connector_id = ?",
                arguments: [owner, event.chargerID, connectorID])
        }
        return try SessionRow.fetchOne(db.cached("SELECT * FROM sessions WHERE transaction_id = ?"), arguments: [transactionID])
    }

    /// Updates the session row; checks the data against the spec's shape for the event.
    private static func store(_ event: CMSEventName, data: JSONValue, session: SessionRow, db: Database) throws {
        let now = Timestamp.now()
        switch event {
        case .sessionStarted:
            let started = try data.decode(as: SessionStartedData.self)
            switch session.status {
            case "initiated", "charging":
                break
            case "failed" where session.failureReason == CMSClient.unreachable:
                // The remote start timed out here but reached the charger: the session is real,
                // unless its user or connector has another one by now.
                do {
                    try db.run(sql: "UPDATE sessions SET status = 'initiated', failure_reason = NULL WHERE id = ?", arguments: [session.id])
                } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                    throw ActionFailure(status: .conflict, error: "Transaction ended", message: "Transaction \(session.transactionID) failed and its place is taken")
                }
                try db.run(
                    sql: "UPDATE connectors SET watcher_user_id = ? WHERE charger_id = ? AND connector_id = ?",
                    arguments: [session.userID, session.chargerID, session.connectorID])
            default:
                throw ActionFailure(
                    status: .conflict, error: "Transaction ended",
                    message: "Transaction \(session.transactionID) is \(session.status) and cannot start again")
            }
            try db.run(
                sql: """
                    UPDATE sessions SET status = CASE status WHEN 'initiated' THEN 'charging' ELSE status END,
                    meter_start = ?, start_time = ?, id_tag = ?, updated_at = ? WHERE id = ?
                    """,
                arguments: [started.meterStart, started.startTime, started.idTag, now, session.id])
        case .meterValue:
            let meter = try data.decode(as: MeterValueData.self)
            let duration = seconds(from: session.startTime, to: meter.timestamp)
            try db.run(
                sql: "INSERT INTO meter_values (session_id, energy_delivered, power, meter_value, timestamp) VALUES (?, ?, ?, ?, ?)",
                arguments: [session.id, meter.energyDelivered, meter.power, meter.meterValue, meter.timestamp])
            try db.run(
                sql: "UPDATE sessions SET energy_delivered = ?, power = ?, duration = ?, updated_at = ? WHERE id = ?",
                arguments: [meter.energyDelivered, meter.power, duration ?? session.duration, now, session.id])
        case .sessionStopped:
            let stopped = try data.decode(as: SessionStoppedData.self)
            try db.run(
                sql: """
                    UPDATE sessions SET status = 'stopped', meter_stop = ?, energy_delivered = ?, duration = ?, power = 0,
                    stop_time = ?, stop_reason = ?, updated_at = ? WHERE id = ?
                    """,
                arguments: [stopped.meterStop, stopped.energyDelivered, stopped.duration, stopped.stopTime, stopped.stopReason, now, session.id])
        case .sessionCompleted:
            try db.run(sql: "UPDATE sessions SET status = 'completed', power = 0, updated_at = ? WHERE id = ?", arguments: [now, session.id])
        case .sessionError:
            try db.run(
                sql: "UPDATE sessions SET failure_reason = ?, updated_at = ? WHERE id = ?",
                arguments: [data["error_code"]?.stringValue ?? data["message"]?.stringValue ?? "error", now, session.id])
        default:
            break
        }
    }

    private static func seconds(from start: String?, to end: String) -> Int? {
        guard let start, let startDate = Timestamp.date(from: start), let endDate = Timestamp.date(from: end) else { return nil }
        return max(0, Int(endDate.timeIntervalSince(startDate).rounded()))
    }

    private static func notification(for event: CMSEventName, session: SessionRow, at: String = Timestamp.now()) -> NotificationMessage? {
        let data: JSONValue = ["session_id": .int(session.id), "charger_id": .string(session.chargerID)]
        let (title, message): (String, String)
        switch event {
        case .sessionStarted: (title, message) = ("Charging Started", "Your charging session has started")
        case .sessionStopped: (title, message) = ("Charging Stopped", "Your charging session has stopped")
        case .sessionCompleted: (title, message) = ("Charging Completed", "Your charging session is complete")
        case .sessionError: (title, message) = ("Charging Error", "Your charging session reported an error")
        default: return nil
        }
        return NotificationMessage(title: title, message: message, data: data, timestamp: at)
    }

    /// When the event happened, as the charger reported it: on charger-sim's clock, which a
    /// test may run fast or pause, so the pushes tell the same time as their data. Now, for an
    /// event that carries no time.
    static func occurredAt(_ data: JSONValue) -> String {
        for key in ["timestamp", "stop_time", "start_time"] {
            if let text = data[key]?.stringValue, Timestamp.date(from: text) != nil { return text }
        }
        return Timestamp.now()
    }

    // MARK: Charger events

    private static func storeChargerEvent(_ event: CMSEvent, db: Database) throws {
        guard try Bool.fetchOne(db.cached("SELECT 1 FROM chargers WHERE id = ?"), arguments: [event.chargerID]) != nil else {
            throw ActionFailure(status: .notFound, error: "Charger not found", message: "No charger with id \(event.chargerID)")
        }
        let connectorID = event.connectorID ?? event.data["connector_id"]?.intValue
        let status = event.data["status"]?.stringValue
        if [.statusChanged, .connectorStatusChanged].contains(event.event), status == nil {
            throw ActionFailure.validation("data.status", LaravelMessage.required("data.status"))
        }
        var data = event.data.objectValue ?? [:]
        var recipients: [Int]
        if let connectorID {
            guard let watcher = try Row.fetchOne(db.cached("SELECT watcher_user_id FROM connectors WHERE charger_id = ? AND connector_id = ?"), arguments: [event.chargerID, connectorID])
            else {
                throw ActionFailure(
                    status: .notFound, error: "Connector not found", message: "Charger \(event.chargerID) has no connector \(connectorID)")
            }
            recipients = (watcher["watcher_user_id"] as Int?).map { [$0] } ?? []
            data["connector_id"] = .int(connectorID)
            if let status {
                try db.run(
                    sql: "UPDATE connectors SET status = ?, error_code = ? WHERE charger_id = ? AND connector_id = ?",
                    arguments: [status, event.data["error_code"]?.stringValue, event.chargerID, connectorID])
                try releaseWatcherIfDone(db, chargerID: event.chargerID, connectorID: connectorID, status: status)
            } else if event.event == .error {
                try db.run(
                    sql: "UPDATE connectors SET error_code = ? WHERE charger_id = ? AND connector_id = ?",
                    arguments: [event.data["error_code"]?.stringValue, event.chargerID, connectorID])
            }
        } else {
            recipients = try Int.fetchAll(db.cached("SELECT DISTINCT watcher_user_id FROM connectors WHERE charger_id = ? AND watcher_user_id IS NOT NULL"), arguments: [event.chargerID])
            if let status {
                try db.run(sql: "UPDATE chargers SET status = ? WHERE id = ?", arguments: [status, event.chargerID])
            }
        }
        let at = occurredAt(event.data)
        let update = ChargerUpdate(chargerID: event.chargerID, event: ChargerEvent(rawValue: event.event.rawValue), data: .object(data), timestamp: at)
        let fault = faultNotification(event, status: status, connectorID: connectorID, at: at)
        for user in recipients {
            try Outbox.enqueue(update, to: .chargerUpdates, user: user, in: db)
            if let fault { try Outbox.enqueue(fault, to: .notifications, user: user, in: db) }
        }
    }

    /// A fault is a moment the user cares about: the `error` event a charger sends with it (its
    /// Faulted status comes too; one notification is enough).
    private static func faultNotification(_ event: CMSEvent, status: String?, connectorID: Int?, at: String) -> NotificationMessage? {
        guard event.event == .error else { return nil }
        let code = event.data["error_code"]?.stringValue ?? "OtherError"
        var data: [String: JSONValue] = ["charger_id": .string(event.chargerID), "error_code": .string(code)]
        if let connectorID { data["connector_id"] = .int(connectorID) }
        return NotificationMessage(title: "Charger Fault", message: "Charger \(event.chargerID) reported a fault: \(code)", data: .object(data), timestamp: at)
    }

    /// The watcher stops receiving once the connector is Available with no live session on it.
    private static func releaseWatcherIfDone(_ db: Database, chargerID: String, connectorID: Int, status: String) throws {
        guard status == "Available" else { return }
        try db.run(
            sql: """
                UPDATE connectors SET watcher_user_id = NULL WHERE charger_id = ? AND connector_id = ?
                AND NOT EXISTS (SELECT 1 FROM sessions WHERE charger_id = ? AND connector_id = ? AND status IN ('initiated','charging','stopping'))
                """,
            arguments: [chargerID, connectorID, chargerID, connectorID])
    }
}
