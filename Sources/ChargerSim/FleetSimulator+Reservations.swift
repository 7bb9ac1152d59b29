import Foundation
import Messages

/// OCPP ReserveNow and CancelReservation: a connector held for one card, so that the driver
/// who booked it finds it free.
extension FleetSimulator {
    /// Available -> Reserved for `idTag` until `expiresIn` simulated seconds have passed.
    func reserve(_ key: ConnectorKey, idTag: String, reservationID: Int, expiresIn: Double) -> RemoteCommandResult {
        guard let connector = connectors[key], let charger = chargers[key.chargerID] else { return .reject("Unknown connector") }
        guard charger.online else { return .reject("Charger is offline") }
        guard charger.powered else { return .reject("Charger has no power") }
        guard !idTag.isEmpty, idTag.utf8.count <= 20 else { return .reject("id_tag must be 1 to 20 characters") }
        guard expiresIn > 0 else { return .reject("expires_in must be positive") }
        guard connector.status == .available, connector.session == nil, connector.reservation == nil else {
            return .reject("Connector is \(connector.status.rawValue)")
        }
        let now = clock.now()
        connectors[key]?.reservation = Reservation(id: reservationID, idTag: idTag)
        transition(key, to: .reserved, at: now)
        timers.schedule(.reservationExpiry(reservationID: reservationID), for: key, at: now.addingTimeInterval(expiresIn))
        return .accept
    }

    func cancelReservation(_ key: ConnectorKey) -> RemoteCommandResult {
        guard let connector = connectors[key] else { return .reject("Unknown connector") }
        guard connector.reservation != nil, connector.status == .reserved else { return .reject("Connector has no reservation") }
        connectors[key]?.reservation = nil
        transition(key, to: .available, at: clock.now())
        return .accept
    }

    func reservationExpired(_ key: ConnectorKey, reservationID: Int, at now: Date) {
        guard connectors[key]?.reservation?.id == reservationID else { return }
        connectors[key]?.reservation = nil
        if connectors[key]?.status == .reserved { transition(key, to: .available, at: now) }
    }
}
