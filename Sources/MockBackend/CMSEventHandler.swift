import Foundation
import GRDB
import Logging
import Messages

/// `POST /api/cms/events`: stores what the CMS reports, then publishes the spec's section 3
/// messages to the user concerned.
///
/// Who receives a charger's updates: the user of the connector's latest session, while that
/// session is live and until the connector is Available again afterwards.
struct CMSEventHandler: Sendable {
    let database: BackendDatabase
    let cms: CMSClient
    let publisher: EventPublisher
    let logger: Logger

    func handle(_ event: CMSEvent) async throws(ActionFailure) {
        logger.info("CMS event", metadata: [
            "event": "\(event.event)", "charger": "\(event.chargerID)",
            "transaction": "\(event.transactionID.map(String.init) ?? "-")",
        ])
        switch event.event {
        case .cmsOnline:
            guard let url = event.data["url"]?.stringValue, url.hasPrefix("http") else {
                throw .validation("data.url", "The data.url field must be an http URL.")
            }
            cms.announce(url: url)
        case .sessionStarted, .meterValue, .sessionStopped, .sessionCompleted, .sessionError:
            try await handleSessionEvent(event)
        case .statusChanged, .connectorStatusChanged:
            try await handleStatusEvent(event)
        default:
            throw ActionFailure(status: .unprocessableContent, error: "Unknown event", message: "The event '\(event.event)' is not supported")
        }
    }

    // MARK: Session events

    private func handleSessionEvent(_ event: CMSEvent) async throws(ActionFailure) {
        guard let transactionID = event.transactionID else {
            throw .validation("transaction_id", "The transaction id field is required.")
        }
        var fields = event.data.objectValue ?? [:]
        fields["charger_id"] = .string(event.chargerID)
        let session: SessionRow
        let data: JSONValue
        do {
            (session, data) = try await database.pool.write { [fields] db throws -> (SessionRow, JSONValue) in
                var data = fields
                guard let session = try SessionRow.fetchOne(
                    db, sql: "SELECT * FROM sessions WHERE transaction_id = ?", arguments: [transactionID]) else {
                    throw ActionFailure(status: .notFound, error: "Unknown transaction", message: "No session has transaction \(transactionID)")
                }
                data["connector_id"] = .int(session.connectorID)
                try Self.store(event.event, data: .object(data), session: session, db: db)
                let updated = try SessionRow.fetchOne(db, sql: "SELECT * FROM sessions WHERE id = ?", arguments: [session.id])!
                return (updated, .object(data))
            }
        } catch let failure as ActionFailure {
            throw failure
        } catch let error as DecodingError {
            throw ActionFailure(status: .unprocessableContent, error: "Validation failed", message: "Invalid event data: \(error)")
        } catch {
            logger.error("could not store CMS event", metadata: ["error": "\(error)"])
            throw ActionFailure(status: .internalServerError, error: "Server Error", message: "The event could not be stored")
        }

        let eventName = SessionEvent(rawValue: event.event.rawValue)
        let update = SessionUpdate(sessionID: session.id, transactionID: session.transactionID, event: eventName, data: data)
        await publisher.publish(update, to: .sessionUpdates, user: session.userID)
        if let notification = Self.notification(for: event.event, session: session) {
            await publisher.publish(notification, to: .notifications, user: session.userID)
        }
    }

    /// Updates the session row; checks the data against the spec's shape for the event.
    private static func store(_ event: CMSEventName, data: JSONValue, session: SessionRow, db: Database) throws {
        let now = Timestamp.now()
        switch event {
        case .sessionStarted:
            let started = try data.decode(as: SessionStartedData.self)
            try db.execute(
                sql: """
                    UPDATE sessions SET status = CASE status WHEN 'initiated' THEN 'charging' ELSE status END,
                    meter_start = ?, start_time = ?, id_tag = ?, updated_at = ? WHERE id = ?
                    """,
                arguments: [started.meterStart, started.startTime, started.idTag, now, session.id])
        case .meterValue:
            let meter = try data.decode(as: MeterValueData.self)
            let duration = Self.seconds(from: session.startTime, to: meter.timestamp)
            try db.execute(
                sql: "INSERT INTO meter_values (session_id, energy_delivered, power, meter_value, timestamp) VALUES (?, ?, ?, ?, ?)",
                arguments: [session.id, meter.energyDelivered, meter.power, meter.meterValue, meter.timestamp])
            try db.execute(
                sql: "UPDATE sessions SET energy_delivered = ?, power = ?, duration = ?, updated_at = ? WHERE id = ?",
                arguments: [meter.energyDelivered, meter.power, duration ?? session.duration, now, session.id])
        case .sessionStopped:
            let stopped = try data.decode(as: SessionStoppedData.self)
            try db.execute(
                sql: """
                    UPDATE sessions SET status = 'stopped', meter_stop = ?, energy_delivered = ?, duration = ?, power = 0,
                    stop_time = ?, stop_reason = ?, updated_at = ? WHERE id = ?
                    """,
                arguments: [stopped.meterStop, stopped.energyDelivered, stopped.duration, stopped.stopTime, stopped.stopReason, now, session.id])
        case .sessionCompleted:
            try db.execute(sql: "UPDATE sessions SET status = 'completed', power = 0, updated_at = ? WHERE id = ?", arguments: [now, session.id])
        case .sessionError:
            try db.execute(
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

    private static func notification(for event: CMSEventName, session: SessionRow) -> NotificationMessage? {
        let data: JSONValue = ["session_id": .int(session.id), "charger_id": .string(session.chargerID)]
        switch event {
        case .sessionStarted:
            return NotificationMessage(title: "Charging Started", message: "Your charging session has started", data: data)
        case .sessionStopped:
            return NotificationMessage(title: "Charging Stopped", message: "Your charging session has stopped", data: data)
        case .sessionCompleted:
            return NotificationMessage(title: "Charging Completed", message: "Your charging session is complete", data: data)
        case .sessionError:
            return NotificationMessage(title: "Charging Error", message: "Your charging session reported an error", data: data)
        default:
            return nil
        }
    }

    // MARK: Charger events

    private func handleStatusEvent(_ event: CMSEvent) async throws(ActionFailure) {
        let connectorID = event.connectorID ?? event.data["connector_id"]?.intValue
        guard let connectorID, let status = event.data["status"]?.stringValue else {
            throw .validation("data.status", "The data.status and connector id fields are required.")
        }
        let recipient: Int?
        do {
            recipient = try await database.pool.write { db throws -> Int? in
                let previous = try String.fetchOne(
                    db, sql: "SELECT status FROM connectors WHERE charger_id = ? AND connector_id = ?",
                    arguments: [event.chargerID, connectorID])
                guard let previous else {
                    throw ActionFailure(
                        status: .notFound, error: "Connector not found", message: "Charger \(event.chargerID) has no connector \(connectorID)")
                }
                try db.execute(
                    sql: "UPDATE connectors SET status = ?, error_code = ? WHERE charger_id = ? AND connector_id = ?",
                    arguments: [status, event.data["error_code"]?.stringValue, event.chargerID, connectorID])
                guard let latest = try SessionRow.fetchOne(
                    db, sql: "SELECT * FROM sessions WHERE charger_id = ? AND connector_id = ? ORDER BY id DESC LIMIT 1",
                    arguments: [event.chargerID, connectorID]) else { return nil }
                let live = BackendDatabase.activeStatuses.contains(latest.status)
                return live || previous != "Available" ? latest.userID : nil
            }
        } catch let failure as ActionFailure {
            throw failure
        } catch {
            logger.error("could not store status", metadata: ["error": "\(error)"])
            throw ActionFailure(status: .internalServerError, error: "Server Error", message: "The status could not be stored")
        }
        guard let recipient else { return }
        var data = event.data.objectValue ?? [:]
        data["connector_id"] = .int(connectorID)
        let update = ChargerUpdate(chargerID: event.chargerID, event: ChargerEvent(rawValue: event.event.rawValue), data: .object(data))
        await publisher.publish(update, to: .chargerUpdates, user: recipient)
    }
}
