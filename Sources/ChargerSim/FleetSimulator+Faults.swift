import Foundation
import Messages
import OCPP

/// Faults on demand, for the error screens of an app: each answers `accept` or a reason,
/// and reports only transitions OCPP allows.
extension FleetSimulator {
    /// The connector reports a fault: Faulted with the error code, an `error` event, and a
    /// `session_error` when a session runs (it resumes when the fault is cleared).
    func fault(_ key: ConnectorKey, errorCode: ChargePointErrorCode, info: String?) -> RemoteCommandResult {
        guard let connector = connectors[key] else { return .reject("Unknown connector") }
        guard errorCode != .noError else { return .reject("NoError is not a fault") }
        guard connector.status != .faulted else { return .reject("Connector is already Faulted") }
        let now = clock.now()
        connectors[key]?.reservation = nil
        transition(key, to: .faulted, at: now, errorCode: errorCode)
        var data: [String: JSONValue] = [
            "connector_id": .int(key.connectorID), "error_code": .string(errorCode.rawValue), "timestamp": .string(Timestamp.string(from: now)),
        ]
        if let info { data["info"] = .string(info) }
        emit(CMSEvent(event: .error, chargerID: key.chargerID, connectorID: key.connectorID, data: .object(data)))
        if let session = connector.session {
            emit(CMSEvent(
                event: .sessionError, chargerID: key.chargerID, connectorID: key.connectorID, transactionID: session.transactionID,
                data: [
                    "charger_id": .string(key.chargerID), "connector_id": .int(key.connectorID), "error_code": .string(errorCode.rawValue),
                    "message": .string(info ?? "The charger reported \(errorCode.rawValue)"), "timestamp": .string(Timestamp.string(from: now)),
                ]))
        }
        return .accept
    }

    /// Back from Faulted to what the connector is doing: charging again, a full car, Finishing
    /// while the driver has not unplugged, or Available.
    func clearFault(_ key: ConnectorKey) -> RemoteCommandResult {
        guard let connector = connectors[key] else { return .reject("Unknown connector") }
        guard connector.status == .faulted else { return .reject("Connector is not Faulted") }
        let next: ChargePointStatus =
            if let session = connector.session { session.soc >= fleet.car.targetSoC ? .suspendedEV : .charging }
            else if connector.awaitingUnplug != nil { .finishing }
            else { .available }
        let now = clock.now()
        transition(key, to: next, at: now)
        // The driver's unplug may have come due while Faulted: it comes again.
        if next == .finishing, let transactionID = connector.awaitingUnplug {
            timers.schedule(.unplug(transactionID: transactionID), for: key, at: now.addingTimeInterval(configuration.unplugDelay))
        }
        return .accept
    }

    /// The driver pulls the cable: a running session stops with EVDisconnected; a stopped one
    /// completes at once.
    func unplug(_ key: ConnectorKey) -> RemoteCommandResult {
        guard let connector = connectors[key] else { return .reject("Unknown connector") }
        let now = clock.now()
        if let session = connector.session {
            stopSession(key, session: session, reason: .evDisconnected, at: now)
            return .accept
        }
        guard let transactionID = connector.awaitingUnplug, connector.status == .finishing else {
            return .reject("No car is plugged in")
        }
        connectors[key]?.awaitingUnplug = nil
        transition(key, to: .available, at: now)
        emitCompleted(key, transactionID: transactionID)
        return .accept
    }

    /// The charger loses power: running sessions stop with PowerLoss, every connector goes
    /// Unavailable (through Available where OCPP has no direct way), commands are refused.
    func powerLoss(_ chargerID: String) -> RemoteCommandResult {
        guard chargers[chargerID] != nil else { return .reject("Unknown charger") }
        guard chargers[chargerID]?.powered == true else { return .reject("Charger has no power already") }
        let now = clock.now()
        for key in keys(of: chargerID) {
            connectors[key]?.reservation = nil
            if let session = connectors[key]?.session { stopSession(key, session: session, reason: .powerLoss, at: now) }
            if connectors[key]?.status.canTransition(to: .unavailable) == false { transition(key, to: .available, at: now) }
            transition(key, to: .unavailable, at: now)
        }
        chargers[chargerID]?.powered = false
        return .accept
    }

    /// Power is back: connectors Available again, and the transactions that power cut complete.
    func powerRestore(_ chargerID: String) -> RemoteCommandResult {
        guard chargers[chargerID] != nil else { return .reject("Unknown charger") }
        guard chargers[chargerID]?.powered == false else { return .reject("Charger has power") }
        chargers[chargerID]?.powered = true
        let now = clock.now()
        for key in keys(of: chargerID) {
            transition(key, to: .available, at: now)
            if let transactionID = connectors[key]?.awaitingUnplug {
                connectors[key]?.awaitingUnplug = nil
                emitCompleted(key, transactionID: transactionID)
            }
        }
        return .accept
    }

    /// The charger loses its connection to the CMS: remote commands are refused and the
    /// charger keeps its events (sessions go on), to send them in order once it is back.
    func setOnline(_ chargerID: String, _ online: Bool) -> RemoteCommandResult {
        guard let charger = chargers[chargerID] else { return .reject("Unknown charger") }
        guard charger.online != online else { return .reject(online ? "Charger is online" : "Charger is offline already") }
        let now = Timestamp.string(from: clock.now())
        chargers[chargerID]?.online = online
        // The CMS sees the connection go and come back; the app sees the charger's status.
        emitFromCMS(CMSEvent(
            event: .statusChanged, chargerID: chargerID,
            data: ["status": .string(online ? "Available" : "Offline"), "previous_status": .string(online ? "Offline" : "Available"), "timestamp": .string(now)]))
        if online {
            let held = chargers[chargerID]?.held ?? []
            chargers[chargerID]?.held = []
            for event in held { emit(event) }
        }
        return .accept
    }

    func isOnline(_ chargerID: String) -> Bool? { chargers[chargerID]?.online }

    func keys(of chargerID: String) -> [ConnectorKey] {
        connectors.keys.filter { $0.chargerID == chargerID }.sorted()
    }
}
