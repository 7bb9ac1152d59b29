import Foundation
import Messages
import OCPP

/// A real charge point on OCPP (the CSMS side, `/ocpp/CHARGER_ID`) standing in for a simulated
/// charger: the twin stops what it was doing, reports nothing more, and shows the real one's
/// statuses in `GET /api/chargers`.
extension FleetSimulator {
    /// Hands `chargerID` over to a real charge point; false when the fleet has no such charger.
    /// The twin's sessions end (reason Other) and complete, so the backend holds none of them open.
    @discardableResult
    func handOver(_ chargerID: String) -> Bool {
        guard let charger = chargers[chargerID] else { return false }
        guard !charger.external else { return true }
        let now = clock.now()
        for key in keys(of: chargerID) {
            connectors[key]?.reservation = nil
            if let session = connectors[key]?.session {
                stopSession(key, session: session, reason: .other, at: now)
            }
            if let transactionID = connectors[key]?.awaitingUnplug {
                connectors[key]?.awaitingUnplug = nil
                emitCompleted(key, transactionID: transactionID)
            }
        }
        chargers[chargerID]?.external = true
        return true
    }

    func isExternal(_ chargerID: String) -> Bool { chargers[chargerID]?.external == true }

    /// What the real charge point reported, kept without reporting it again.
    func recordExternalStatus(_ key: ConnectorKey, _ status: ChargePointStatus, errorCode: ChargePointErrorCode) {
        guard chargers[key.chargerID]?.external == true, connectors[key] != nil else { return }
        connectors[key]?.status = status
        connectors[key]?.errorCode = errorCode
    }

    /// A transaction number for a session started at a real charge point (a card, not the app),
    /// from the walk-ins' range, so that it never meets a simulated one's.
    func takeWalkInTransactionNumber() -> Int {
        defer { nextWalkInTransaction += 1 }
        return nextWalkInTransaction
    }
}
