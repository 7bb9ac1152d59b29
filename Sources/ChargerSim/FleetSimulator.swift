import Fleet
import Foundation
import Logging
import Messages

/// The chargers and their connectors: OCPP 1.6 statuses, sessions, meter values.
actor FleetSimulator {
    struct ConnectorKey: Hashable, Sendable {
        var chargerID: String
        var connectorID: Int
    }

    struct Session: Sendable {
        var transactionID: Int
        var idTag: String
        var meterStart: Int
        var energyWh: Double = 0
        var soc: Double
        var start: Date
        var step = 0
        var random: SeededRandom
        var lastPower: Double = 0
    }

    struct Connector: Sendable {
        var status = "Available"
        var register = 1000
        var session: Session?
        var loop: Task<Void, Never>?
    }

    let fleet: FleetDefinition
    let configuration: SimulatorConfiguration
    let clock: SimulatedClock
    private let emit: @Sendable (CMSEvent) -> Void
    private let logger: Logger
    private var connectors: [ConnectorKey: Connector] = [:]

    init(fleet: FleetDefinition, configuration: SimulatorConfiguration, logger: Logger, emit: @escaping @Sendable (CMSEvent) -> Void) {
        self.fleet = fleet
        self.configuration = configuration
        self.clock = SimulatedClock(speed: configuration.speed)
        self.logger = logger
        self.emit = emit
        for charger in fleet.chargers {
            for connector in 1...charger.connectors {
                connectors[ConnectorKey(chargerID: charger.id, connectorID: connector)] = Connector()
            }
        }
    }

    func status(of key: ConnectorKey) -> String? { connectors[key]?.status }

    func statuses() -> [String: [Int: String]] {
        var result: [String: [Int: String]] = [:]
        for (key, connector) in connectors { result[key.chargerID, default: [:]][key.connectorID] = connector.status }
        return result
    }

    // MARK: Remote commands

    func remoteStart(_ key: ConnectorKey, idTag: String, transactionID: Int) -> RemoteCommandResult {
        guard fleet.charger(key.chargerID) != nil else { return RemoteCommandResult(status: RemoteCommandResult.rejected, reason: "Unknown charger") }
        guard let connector = connectors[key] else { return RemoteCommandResult(status: RemoteCommandResult.rejected, reason: "Unknown connector") }
        guard connector.session == nil, ["Available", "Preparing"].contains(connector.status) else {
            return RemoteCommandResult(status: RemoteCommandResult.rejected, reason: "Connector is \(connector.status)")
        }
        let start = clock.now()
        let session = Session(
            transactionID: transactionID, idTag: idTag, meterStart: connector.register, soc: fleet.car.startSoC, start: start,
            random: SeededRandom(seed: configuration.seed, chargerID: key.chargerID, connectorID: key.connectorID, transactionID: transactionID))
        connectors[key]?.session = session
        logger.info("remote start accepted", metadata: ["charger": "\(key.chargerID)", "connector": "\(key.connectorID)", "transaction": "\(transactionID)"])
        if connector.status == "Available" { transition(key, to: "Preparing") }
        transition(key, to: "Charging")
        emit(CMSEvent(
            event: .sessionStarted, chargerID: key.chargerID, connectorID: key.connectorID, transactionID: transactionID,
            data: (try? JSONValue(encoding: SessionStartedData(
                chargerID: key.chargerID, connectorID: key.connectorID, idTag: idTag, meterStart: session.meterStart,
                startTime: Timestamp.string(from: start)))) ?? .object([:])))
        let interval = Duration.milliseconds(Int64(configuration.meterInterval * 1000))
        connectors[key]?.loop = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard !Task.isCancelled, let self, await self.meterStep(key, transactionID: transactionID) else { return }
            }
        }
        return RemoteCommandResult(status: RemoteCommandResult.accepted)
    }

    func remoteStop(_ key: ConnectorKey, transactionID: Int?) -> RemoteCommandResult {
        guard let session = connectors[key]?.session, transactionID == nil || transactionID == session.transactionID else {
            return RemoteCommandResult(status: RemoteCommandResult.rejected, reason: "No such transaction on this connector")
        }
        stopSession(key, session: session, reason: "RemoteStop")
        return RemoteCommandResult(status: RemoteCommandResult.accepted)
    }

    // MARK: Session internals

    /// One fixed step of simulated time; false once the session is over.
    private func meterStep(_ key: ConnectorKey, transactionID: Int) -> Bool {
        guard var session = connectors[key]?.session, session.transactionID == transactionID,
              let charger = fleet.charger(key.chargerID) else { return false }
        let physics = ChargingPhysics(charger: charger, car: fleet.car)
        let fluctuation = Double(session.random.next() % 1000) / 1000
        let reading = physics.reading(soc: session.soc, fluctuation: fluctuation)
        let step = configuration.simulatedStep
        session.step += 1
        session.energyWh += reading.power * 1000 * step / 3600
        session.soc = min(fleet.car.targetSoC, fleet.car.startSoC + session.energyWh / 1000 / fleet.car.batteryCapacity * 100)
        session.lastPower = reading.power
        let register = session.meterStart + Int(session.energyWh.rounded(.down))
        connectors[key]?.register = register
        connectors[key]?.session = session
        let timestamp = Timestamp.string(from: session.start.addingTimeInterval(Double(session.step) * step))
        emit(CMSEvent(
            event: .meterValue, chargerID: key.chargerID, connectorID: key.connectorID, transactionID: transactionID,
            data: (try? JSONValue(encoding: MeterValueData(
                chargerID: key.chargerID, connectorID: key.connectorID,
                energyDelivered: Double(register - session.meterStart) / 1000,
                power: (reading.power * 100).rounded() / 100,
                voltage: (reading.voltage * 10).rounded() / 10,
                current: (reading.current * 10).rounded() / 10,
                meterValue: register, soc: (session.soc * 10).rounded() / 10, timestamp: timestamp))) ?? .object([:])))
        if reading.power == 0, connectors[key]?.status == "Charging" {
            transition(key, to: "SuspendedEV")
        }
        return true
    }

    private func stopSession(_ key: ConnectorKey, session: Session, reason: String) {
        connectors[key]?.loop?.cancel()
        connectors[key]?.loop = nil
        connectors[key]?.session = nil
        let stop = clock.now()
        let register = connectors[key]?.register ?? session.meterStart
        emit(CMSEvent(
            event: .sessionStopped, chargerID: key.chargerID, connectorID: key.connectorID, transactionID: session.transactionID,
            data: (try? JSONValue(encoding: SessionStoppedData(
                chargerID: key.chargerID, connectorID: key.connectorID, meterStop: register,
                energyDelivered: Double(register - session.meterStart) / 1000,
                duration: max(0, Int(stop.timeIntervalSince(session.start).rounded())),
                stopTime: Timestamp.string(from: stop), stopReason: reason))) ?? .object([:])))
        transition(key, to: "Finishing")
        // The driver unplugs a little later (simulated time), and the connector is free again.
        let delay = clock.wallDuration(simulatedSeconds: configuration.unplugDelay)
        Task { [weak self] in
            try? await Task.sleep(for: delay)
            await self?.unplugged(key, transactionID: session.transactionID)
        }
    }

    private func unplugged(_ key: ConnectorKey, transactionID: Int) {
        guard connectors[key]?.session == nil, connectors[key]?.status == "Finishing" else { return }
        transition(key, to: "Available")
        emit(CMSEvent(event: .sessionCompleted, chargerID: key.chargerID, connectorID: key.connectorID, transactionID: transactionID))
    }

    private func transition(_ key: ConnectorKey, to status: String) {
        guard let previous = connectors[key]?.status, previous != status else { return }
        connectors[key]?.status = status
        emit(CMSEvent(
            event: .statusChanged, chargerID: key.chargerID, connectorID: key.connectorID,
            data: (try? JSONValue(encoding: StatusChangedData(
                status: status, previousStatus: previous, connectorID: key.connectorID,
                timestamp: Timestamp.string(from: clock.now())))) ?? .object([:])))
    }
}
