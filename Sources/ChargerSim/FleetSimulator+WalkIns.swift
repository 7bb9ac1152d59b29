import Foundation
import Messages

/// `--auto`: drivers with RFID cards who start and stop sessions by themselves, now and then,
/// so that a demo or a dashboard looks alive. Arrivals are random but seeded per connector.
extension FleetSimulator {
    /// Schedules the first walk-in driver of every connector that has none coming.
    func startWalkIns() {
        guard walkInsEnabled else { return }
        let now = clock.now()
        for key in connectors.keys.sorted() where !arrivalsPending.contains(key) { scheduleArrival(key, after: now) }
    }

    /// Walk-ins on or off at run time (the console's switch): off, no new driver arrives (those
    /// charging stay until they leave); on, arrivals start again.
    func setWalkIns(_ enabled: Bool) {
        walkInsEnabled = enabled
        startWalkIns()
    }

    func scheduleArrival(_ key: ConnectorKey, after now: Date) {
        guard var random = connectors[key]?.arrivals else { return }
        // Exponential gaps between drivers: a Poisson stream of arrivals.
        let gap = -log(1 - random.unit()) * configuration.meanArrival
        connectors[key]?.arrivals = random
        arrivalsPending.insert(key)
        timers.schedule(.arrival, for: key, at: now.addingTimeInterval(max(1, gap)))
    }

    func walkInArrives(_ key: ConnectorKey, at now: Date) {
        arrivalsPending.remove(key)
        // A real charge point's drivers are real ones.
        guard walkInsEnabled, chargers[key.chargerID]?.external != true else { return }
        guard let connector = connectors[key], var random = connectors[key]?.arrivals else { return }
        // A busy, faulted or dark connector: the driver goes elsewhere; another one comes later.
        guard connector.status == .available, connector.session == nil, connector.awaitingUnplug == nil,
              chargers[key.chargerID]?.online == true, chargers[key.chargerID]?.powered == true
        else { return scheduleArrival(key, after: now) }
        let card = String(format: "WALKIN%04d", Int(random.next() % 10_000))
        // Stays 20 to 90 minutes, full or not.
        let stay = 20 * 60 + random.unit() * 70 * 60
        connectors[key]?.arrivals = random
        guard walkIn(key, idTag: card, stay: stay, at: now).isAccepted else { return scheduleArrival(key, after: now) }
    }

    /// A driver plugs in and starts with a card at the charger, without the app: the session
    /// the backend learns of from the CMS only. Leaves after `stay` simulated seconds (nil:
    /// stays until stopped, unplugged or full).
    func walkIn(_ key: ConnectorKey, idTag: String, stay: Double?, at now: Date) -> RemoteCommandResult {
        let transactionID = nextWalkInTransaction
        let result = remoteStart(key, idTag: idTag, transactionID: transactionID)
        guard result.isAccepted else { return result }
        nextWalkInTransaction += 1
        if let stay { timers.schedule(.departure(transactionID: transactionID), for: key, at: now.addingTimeInterval(stay)) }
        return result
    }

    /// The `walk-in` route: a driver arrives now, whatever `--auto` says.
    func walkIn(_ key: ConnectorKey, idTag: String, stay: Double?) -> RemoteCommandResult {
        walkIn(key, idTag: idTag, stay: stay, at: clock.now())
    }

    func walkInLeaves(_ key: ConnectorKey, transactionID: Int, at now: Date) {
        guard let session = connectors[key]?.session, session.transactionID == transactionID else {
            // Stopped some other way (a fault, a power cut): just come again later.
            return scheduleArrival(key, after: now)
        }
        if connectors[key]?.status == .suspendedEV {
            // The car is full: the driver simply unplugs.
            stopSession(key, session: session, reason: .evDisconnected, at: now)
        } else {
            // Stopped at the charger with the card.
            stopSession(key, session: session, reason: .local, at: now)
        }
        scheduleArrival(key, after: now.addingTimeInterval(configuration.unplugDelay))
    }
}
