import Foundation
import Messages
import OCPP

/// What a CSMS asks a simulated charger over OCPP (`--ocpp-csms-url`), beyond remote start and
/// stop: the answers a real charger gives in the same state.
extension FleetSimulator {
    func connectorStates(of chargerID: String) -> [(connectorID: Int, status: ChargePointStatus, errorCode: ChargePointErrorCode)] {
        keys(of: chargerID).compactMap { key in connectors[key].map { (key.connectorID, $0.status, $0.errorCode) } }
    }

    func connector(running transactionID: Int) -> ConnectorKey? { running[transactionID] }

    /// RemoteStartTransaction without a connector: the first one free.
    func freeConnector(of chargerID: String) -> ConnectorKey? {
        keys(of: chargerID).first { key in
            guard let connector = connectors[key] else { return false }
            return connector.session == nil && connector.awaitingUnplug == nil && connector.status == .available
        }
    }

    /// ChangeAvailability of one connector (0: every one). A connector with a transaction
    /// becomes Unavailable when it ends, so the answer is Scheduled.
    func changeAvailability(of chargerID: String, connectorID: Int, to type: AvailabilityType) -> AvailabilityStatus {
        let targets = connectorID == 0 ? keys(of: chargerID) : [ConnectorKey(chargerID: chargerID, connectorID: connectorID)]
        guard targets.allSatisfy({ connectors[$0] != nil }), !targets.isEmpty else { return .rejected }
        let now = clock.now()
        var scheduled = false
        for key in targets {
            guard let connector = connectors[key] else { continue }
            switch type {
            case .inoperative:
                if connector.session != nil || connector.awaitingUnplug != nil {
                    scheduled = true
                    connectors[key]?.unavailableWhenFree = true
                } else {
                    if connector.status == .reserved { connectors[key]?.reservation = nil }
                    if !connector.status.canTransition(to: .unavailable) { transition(key, to: .available, at: now) }
                    transition(key, to: .unavailable, at: now)
                }
            case .operative:
                connectors[key]?.unavailableWhenFree = false
                if connector.status == .unavailable, chargers[chargerID]?.powered == true { transition(key, to: .available, at: now) }
            }
        }
        return scheduled ? .scheduled : .accepted
    }

    /// UnlockConnector: a transaction on it stops (UnlockCommand) and the cable comes free.
    func unlock(_ key: ConnectorKey) -> UnlockStatus {
        guard let connector = connectors[key] else { return .notSupported }
        let now = clock.now()
        if let session = connector.session {
            stopSession(key, session: session, reason: .unlockCommand, at: now)
        }
        if let transactionID = connectors[key]?.awaitingUnplug {
            connectors[key]?.awaitingUnplug = nil
            transition(key, to: .available, at: now)
            emitCompleted(key, transactionID: transactionID)
        }
        return .unlocked
    }

    /// Reset: transactions stop with SoftReset or HardReset; the charger then reboots (the
    /// charge point closes its connection and boots again).
    func reset(_ chargerID: String, hard: Bool) {
        let now = clock.now()
        for key in keys(of: chargerID) {
            if let session = connectors[key]?.session {
                stopSession(key, session: session, reason: hard ? .hardReset : .softReset, at: now)
            }
            if let transactionID = connectors[key]?.awaitingUnplug {
                connectors[key]?.awaitingUnplug = nil
                emitCompleted(key, transactionID: transactionID)
            }
            if connectors[key]?.status == .finishing { transition(key, to: .available, at: now) }
        }
    }

    /// The CSMS refused the card of a transaction (StartTransaction.conf not Accepted).
    func deauthorize(transactionID: Int) {
        guard let key = running[transactionID], let session = connectors[key]?.session else { return }
        stopSession(key, session: session, reason: .deAuthorized, at: clock.now())
    }
}

extension FleetSimulator {
    func reservationID(at key: ConnectorKey) -> Int? { connectors[key]?.reservation?.id }
}
