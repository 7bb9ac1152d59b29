import Fleet
import Foundation
import Logging
import Messages
import OCPP

/// The chargers and their connectors: OCPP 1.6 statuses and only the transitions OCPP allows,
/// sessions with meter values on fixed steps of simulated time, and faults on demand.
///
/// All work happens in `advance(to:)`, in the order of simulated time (ties by connector), so
/// the same seed and the same commands give the same events however the machine's timing
/// varies. `SimulationDriver` calls it as the clock moves; tests call it directly.
actor FleetSimulator {
    struct ConnectorKey: Hashable, Sendable, Comparable, CustomStringConvertible {
        var chargerID: String
        var connectorID: Int

        static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.chargerID, lhs.connectorID) < (rhs.chargerID, rhs.connectorID)
        }

        var description: String { "\(chargerID)/\(connectorID)" }
    }

    struct Session: Sendable {
        var transactionID: Int
        var idTag: String
        var meterStart: Int
        var energyWh: Double = 0
        var soc: Double
        /// Whole seconds of simulated time; steps are counted from here.
        var start: Date
        var step = 0
        var random: SeededRandom
    }

    struct Connector: Sendable {
        var status = ChargePointStatus.available
        var errorCode = ChargePointErrorCode.noError
        var register = 1000
        var session: Session?
        /// A stopped transaction whose `session_completed` waits for the driver to unplug.
        var awaitingUnplug: Int?
        /// The walk-in drivers of this connector (`--auto`), seeded per connector.
        var arrivals: SeededRandom
        /// Held for one card until it starts or the reservation expires (OCPP ReserveNow).
        var reservation: Reservation?
        /// ChangeAvailability Inoperative came during a transaction: Unavailable once it is free.
        var unavailableWhenFree = false
    }

    struct Reservation: Sendable, Equatable {
        var id: Int
        var idTag: String
    }

    struct Charger: Sendable {
        var online = true
        var powered = true
        /// Events a charger keeps while offline, sent in order when it is back (OCPP's queue).
        var held: [CMSEvent] = []
        /// A real charge point on OCPP stands in for this one: the simulated twin keeps quiet.
        var external = false
    }

    let fleet: FleetDefinition
    let configuration: SimulatorConfiguration
    let clock: any SimulationClock
    /// The seed of sessions and walk-ins; `reset` may change it.
    private(set) var seed: UInt64
    private let emitToBackend: @Sendable (CMSEvent) -> Void
    private let logger: Logger
    var connectors: [ConnectorKey: Connector] = [:]
    var chargers: [String: Charger] = [:]
    /// Where each running transaction is.
    var running: [Int: ConnectorKey] = [:]
    /// Walk-in sessions number their transactions from here (the backend's own stay below).
    static let firstWalkInTransaction = 1_000_000_000
    var nextWalkInTransaction: Int
    var timers = TimerQueue()
    /// Walk-in drivers arrive by themselves (`--auto`, or turned on and off over the API).
    var walkInsEnabled: Bool
    /// Connectors with a walk-in arrival scheduled: turning walk-ins on again schedules only the others.
    var arrivalsPending: Set<ConnectorKey> = []

    init(
        fleet: FleetDefinition, configuration: SimulatorConfiguration, clock: (any SimulationClock)? = nil, logger: Logger,
        emit: @escaping @Sendable (CMSEvent) -> Void
    ) {
        self.fleet = fleet
        self.configuration = configuration
        let clock = clock ?? SimulatedClock(
            origin: configuration.clockStart ?? Date(), speed: configuration.speed, paused: configuration.paused)
        self.clock = clock
        self.logger = logger
        self.emitToBackend = emit
        seed = configuration.seed
        walkInsEnabled = configuration.auto
        nextWalkInTransaction = Self.firstWalkInNumber(at: clock.now())
        (connectors, chargers) = Self.freshFleet(fleet, seed: configuration.seed)
    }

    /// Every connector Available with its register at 1000, every charger online and powered.
    static func freshFleet(_ fleet: FleetDefinition, seed: UInt64) -> ([ConnectorKey: Connector], [String: Charger]) {
        var connectors: [ConnectorKey: Connector] = [:]
        var chargers: [String: Charger] = [:]
        for charger in fleet.chargers {
            chargers[charger.id] = Charger()
            for connector in 1...charger.connectors {
                let key = ConnectorKey(chargerID: charger.id, connectorID: connector)
                connectors[key] = Connector(arrivals: SeededRandom(seed: seed, chargerID: charger.id, connectorID: connector, transactionID: 0))
            }
        }
        return (connectors, chargers)
    }

    /// Numbered from the boot's millisecond, so that a restarted simulator does not hand out
    /// the ids of its previous run again (the backend keeps them).
    static func firstWalkInNumber(at now: Date) -> Int {
        firstWalkInTransaction + Int((now.timeIntervalSince1970 * 1000).rounded(.down)) % firstWalkInTransaction
    }

    /// Back to the state of launch, with `seed`: no sessions, no timers, no faults, nothing
    /// held; nothing is reported (the backend is reset alongside). Walk-ins start again.
    func reset(seed: UInt64) {
        self.seed = seed
        let external = chargers.filter(\.value.external).keys
        (connectors, chargers) = Self.freshFleet(fleet, seed: seed)
        for chargerID in external { chargers[chargerID]?.external = true }
        running = [:]
        timers = TimerQueue()
        arrivalsPending = []
        walkInsEnabled = configuration.auto
        nextWalkInTransaction = Self.firstWalkInNumber(at: clock.now())
        startWalkIns()
    }

    func status(of key: ConnectorKey) -> ChargePointStatus? { connectors[key]?.status }

    func statuses() -> [String: [Int: String]] {
        var result: [String: [Int: String]] = [:]
        for (key, connector) in connectors { result[key.chargerID, default: [:]][key.connectorID] = connector.status.rawValue }
        return result
    }

    var nextDue: Date? { timers.nextDue }

    /// Running sessions and pending timers, for `GET /api/stats`.
    var load: (sessions: Int, timers: Int) {
        (running.count, timers.count)
    }

    // MARK: Remote commands (OCPP RemoteStartTransaction / RemoteStopTransaction)

    func remoteStart(_ key: ConnectorKey, idTag: String, transactionID: Int) -> RemoteCommandResult {
        guard let charger = chargers[key.chargerID] else { return .reject("Unknown charger") }
        guard let connector = connectors[key] else { return .reject("Unknown connector") }
        guard charger.online else { return .reject("Charger is offline") }
        guard charger.powered else { return .reject("Charger has no power") }
        guard !idTag.isEmpty, idTag.utf8.count <= 20 else { return .reject("id_tag must be 1 to 20 characters") }
        if let reservation = connector.reservation, reservation.idTag != idTag {
            return .reject("Connector is Reserved for another card")
        }
        guard connector.session == nil, connector.awaitingUnplug == nil, [.available, .preparing, .reserved].contains(connector.status) else {
            return .reject("Connector is \(connector.status.rawValue)")
        }
        if let elsewhere = running[transactionID] {
            return .reject("Transaction \(transactionID) already running on \(elsewhere)")
        }
        let now = clock.now()
        let start = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let session = Session(
            transactionID: transactionID, idTag: idTag, meterStart: connector.register, soc: fleet.car.startSoC, start: start,
            random: SeededRandom(seed: seed, chargerID: key.chargerID, connectorID: key.connectorID, transactionID: transactionID))
        connectors[key]?.session = session
        // The reservation is used up by its card's session.
        connectors[key]?.reservation = nil
        running[transactionID] = key
        logger.debug("remote start accepted", metadata: ["charger": "\(key.chargerID)", "connector": "\(key.connectorID)", "transaction": "\(transactionID)"])
        if connector.status == .available || connector.status == .reserved { transition(key, to: .preparing, at: now) }
        transition(key, to: .charging, at: now)
        emit(CMSEvent(
            event: .sessionStarted, chargerID: key.chargerID, connectorID: key.connectorID, transactionID: transactionID,
            data: Self.json(SessionStartedData(
                chargerID: key.chargerID, connectorID: key.connectorID, idTag: idTag, meterStart: session.meterStart,
                startTime: Timestamp.string(from: start)))))
        timers.schedule(.meterStep(transactionID: transactionID), for: key, at: start.addingTimeInterval(configuration.simulatedStep))
        return .accept
    }

    func remoteStop(_ key: ConnectorKey, transactionID: Int?) -> RemoteCommandResult {
        guard let charger = chargers[key.chargerID], connectors[key] != nil else { return .reject("Unknown charger or connector") }
        guard charger.online else { return .reject("Charger is offline") }
        guard let session = connectors[key]?.session, transactionID == nil || transactionID == session.transactionID else {
            return .reject("No such transaction on this connector")
        }
        stopSession(key, session: session, reason: .remoteStop, at: clock.now())
        return .accept
    }

    // MARK: Time

    /// Runs every timer due at or before `now`, earliest first.
    func advance(to now: Date) {
        while let timer = timers.popDue(atOrBefore: now) {
            switch timer.kind {
            case .meterStep(let transactionID): meterStep(timer.key, transactionID: transactionID, due: timer.due)
            case .unplug(let transactionID): driverUnplugged(timer.key, transactionID: transactionID, at: timer.due)
            case .arrival: walkInArrives(timer.key, at: timer.due)
            case .departure(let transactionID): walkInLeaves(timer.key, transactionID: transactionID, at: timer.due)
            case .reservationExpiry(let reservationID): reservationExpired(timer.key, reservationID: reservationID, at: timer.due)
            }
        }
    }

    /// One fixed step of simulated time: the energy of the step, then a meter value.
    private func meterStep(_ key: ConnectorKey, transactionID: Int, due: Date) {
        guard var session = connectors[key]?.session, session.transactionID == transactionID,
              let connector = connectors[key], let charger = fleet.charger(key.chargerID) else { return }
        let step = configuration.simulatedStep
        session.step += 1
        // Faulted or without power, the step passes with no energy and no meter value.
        let delivering = connector.status != .faulted && chargers[key.chargerID]?.powered == true
        let physics = ChargingPhysics(charger: charger, car: fleet.car)
        var reading = physics.reading(soc: session.soc, elapsed: Double(session.step) * step, fluctuation: session.random.unit())
        if delivering {
            // Never past the target: the last step delivers what is left.
            let remainingWh = max(0, (fleet.car.targetSoC - session.soc) / 100 * fleet.car.batteryCapacity * 1000)
            let energyWh = min(reading.power * 1000 * step / 3600, remainingWh)
            let full = reading.power * 1000 * step / 3600
            if energyWh < full, full > 0 {
                // The last step: less power, from less current, at the same voltage.
                reading.current *= energyWh / full
                reading.power *= energyWh / full
            }
            session.energyWh += energyWh
            session.soc = min(fleet.car.targetSoC, fleet.car.startSoC + session.energyWh / 1000 / fleet.car.batteryCapacity * 100)
        }
        let register = session.meterStart + Int(session.energyWh.rounded(.down))
        connectors[key]?.register = register
        connectors[key]?.session = session
        timers.schedule(.meterStep(transactionID: transactionID), for: key, at: due.addingTimeInterval(step))
        guard delivering else { return }
        emit(CMSEvent(
            event: .meterValue, chargerID: key.chargerID, connectorID: key.connectorID, transactionID: transactionID,
            data: Self.json(MeterValueData(
                chargerID: key.chargerID, connectorID: key.connectorID,
                energyDelivered: Double(register - session.meterStart) / 1000,
                power: (reading.power * 100).rounded() / 100,
                voltage: (reading.voltage * 10).rounded() / 10,
                current: (reading.current * 10).rounded() / 10,
                meterValue: register, soc: (session.soc * 10).rounded() / 10, timestamp: Timestamp.string(from: due)))))
        // A full car stops drawing power; the charger reports it.
        if session.soc >= fleet.car.targetSoC, connectors[key]?.status == .charging {
            transition(key, to: .suspendedEV, at: due)
        }
    }

    /// Ends the transaction at its last completed step, so that `duration` is exactly
    /// `stop_time - start_time` and the energy is the register's.
    func stopSession(_ key: ConnectorKey, session: Session, reason: StopReason, at now: Date) {
        connectors[key]?.session = nil
        running[session.transactionID] = nil
        let register = connectors[key]?.register ?? session.meterStart
        let duration = Int((Double(session.step) * configuration.simulatedStep).rounded())
        emit(CMSEvent(
            event: .sessionStopped, chargerID: key.chargerID, connectorID: key.connectorID, transactionID: session.transactionID,
            data: Self.json(SessionStoppedData(
                chargerID: key.chargerID, connectorID: key.connectorID, meterStop: register,
                energyDelivered: Double(register - session.meterStart) / 1000, duration: duration,
                stopTime: Timestamp.string(from: session.start.addingTimeInterval(Double(duration))), stopReason: reason.rawValue))))
        switch reason {
        case .evDisconnected:
            // The car is gone already: nothing to wait for.
            transition(key, to: .available, at: now)
            emitCompleted(key, transactionID: session.transactionID)
        case .powerLoss:
            // Completed when power returns and the connector is free again.
            connectors[key]?.awaitingUnplug = session.transactionID
        default:
            transition(key, to: .finishing, at: now)
            connectors[key]?.awaitingUnplug = session.transactionID
            // The driver unplugs a little later (simulated time), and the connector is free again.
            timers.schedule(.unplug(transactionID: session.transactionID), for: key, at: now.addingTimeInterval(configuration.unplugDelay))
        }
    }

    private func driverUnplugged(_ key: ConnectorKey, transactionID: Int, at now: Date) {
        guard connectors[key]?.awaitingUnplug == transactionID, connectors[key]?.status == .finishing else { return }
        connectors[key]?.awaitingUnplug = nil
        transition(key, to: .available, at: now)
        emitCompleted(key, transactionID: transactionID)
    }

    func emitCompleted(_ key: ConnectorKey, transactionID: Int) {
        emit(CMSEvent(event: .sessionCompleted, chargerID: key.chargerID, connectorID: key.connectorID, transactionID: transactionID))
        if connectors[key]?.unavailableWhenFree == true, connectors[key]?.status == .available {
            connectors[key]?.unavailableWhenFree = false
            transition(key, to: .unavailable, at: clock.now())
        }
    }

    // MARK: Statuses and events

    /// Reports a status change; refuses (and logs) one OCPP does not allow.
    @discardableResult
    func transition(_ key: ConnectorKey, to status: ChargePointStatus, at now: Date, errorCode: ChargePointErrorCode = .noError) -> Bool {
        guard let previous = connectors[key]?.status, previous != status else { return false }
        guard previous.canTransition(to: status) else {
            logger.error("transition OCPP forbids refused", metadata: ["connector": "\(key)", "from": "\(previous.rawValue)", "to": "\(status.rawValue)"])
            return false
        }
        connectors[key]?.status = status
        connectors[key]?.errorCode = errorCode
        emit(CMSEvent(
            event: .statusChanged, chargerID: key.chargerID, connectorID: key.connectorID,
            data: Self.json(StatusChangedData(
                status: status.rawValue, previousStatus: previous.rawValue, connectorID: key.connectorID,
                errorCode: errorCode == .noError ? nil : errorCode.rawValue, timestamp: Timestamp.string(from: now)))))
        return true
    }

    /// Sends an event, or keeps it while its charger is offline.
    func emit(_ event: CMSEvent) {
        if chargers[event.chargerID]?.external == true {
            return
        } else if chargers[event.chargerID]?.online == false {
            chargers[event.chargerID]?.held.append(event)
        } else {
            emitToBackend(event)
        }
    }

    /// Sends an event even while the charger is offline: what the CMS itself notices.
    func emitFromCMS(_ event: CMSEvent) { emitToBackend(event) }

    static func json<Value: Encodable>(_ value: Value) -> JSONValue {
        (try? JSONValue(encoding: value)) ?? .object([:])
    }
}

extension RemoteCommandResult {
    static let accept = RemoteCommandResult(status: RemoteCommandResult.accepted)
    static func reject(_ reason: String) -> RemoteCommandResult { RemoteCommandResult(status: RemoteCommandResult.rejected, reason: reason) }
}
