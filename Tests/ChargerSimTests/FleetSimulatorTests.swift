import Fleet
import Foundation
import Logging
import Messages
import NIOConcurrencyHelpers
import Testing

@testable import ChargerSim

/// Records what the simulator emits.
final class EventLog: Sendable {
    private let events = NIOLockedValueBox<[CMSEvent]>([])
    var all: [CMSEvent] { events.withLockedValue { $0 } }
    func append(_ event: CMSEvent) { events.withLockedValue { $0.append(event) } }
    func named(_ name: CMSEventName) -> [CMSEvent] { all.filter { $0.event == name } }
    var statuses: [String] { named(.statusChanged).compactMap { $0.data["status"]?.stringValue } }
}

/// A simulator on a manual clock: time moves only when the test says so, so every run of the
/// same script gives the same events.
struct Simulation {
    let simulator: FleetSimulator
    let log: EventLog
    let clock: ManualClock
    /// Simulated seconds per meter step.
    let step: Double

    init(
        seed: UInt64 = 7, meterInterval: Double = 1, speed: Double = 60, fleet: FleetDefinition = .builtIn,
        configure: (inout SimulatorConfiguration) -> Void = { _ in }
    ) {
        var configuration = SimulatorConfiguration(cmsSecret: "s")
        configuration.seed = seed
        configuration.meterInterval = meterInterval
        configuration.speed = speed
        configure(&configuration)
        let log = EventLog()
        clock = ManualClock()
        simulator = FleetSimulator(fleet: fleet, configuration: configuration, clock: clock, logger: Logger(label: "sim"), emit: { log.append($0) })
        self.log = log
        step = configuration.simulatedStep
    }

    /// Moves simulated time forward by `seconds`, running what falls due on the way.
    func run(seconds: Double) async {
        clock.set(clock.now().addingTimeInterval(seconds))
        await simulator.advance(to: clock.now())
    }

    func run(steps: Int) async { await run(seconds: Double(steps) * step) }
}

@Suite("charger-sim sessions")
struct FleetSimulatorTests {
    let cp001 = FleetSimulator.ConnectorKey(chargerID: "CP001", connectorID: 1)
    let cp002 = FleetSimulator.ConnectorKey(chargerID: "CP002", connectorID: 1)

    @Test func aSessionGoesThroughOCPPStatusesAndReportsConsistentFigures() async throws {
        let simulation = Simulation()
        let (simulator, log) = (simulation.simulator, simulation.log)
        #expect(await simulator.remoteStart(cp001, idTag: "RFID123", transactionID: 789) == RemoteCommandResult(status: "Accepted"))
        await simulation.run(steps: 3)
        #expect(log.named(.meterValue).count == 3)
        await simulation.run(seconds: simulation.step / 2)
        #expect(await simulator.remoteStop(cp001, transactionID: 789).isAccepted)
        await simulation.run(seconds: 60)

        #expect(log.statuses == ["Preparing", "Charging", "Finishing", "Available"])
        #expect(log.all.map(\.event.rawValue) == [
            "status_changed", "status_changed", "session_started", "meter_value", "meter_value", "meter_value",
            "session_stopped", "status_changed", "status_changed", "session_completed",
        ])
        let started = try log.named(.sessionStarted)[0].data.decode(as: SessionStartedData.self)
        #expect(started.idTag == "RFID123" && started.chargerID == "CP001" && started.connectorID == 1)
        let meters = try log.named(.meterValue).map { try $0.data.decode(as: MeterValueData.self) }
        for (previous, next) in zip(meters, meters.dropFirst()) {
            #expect(next.energyDelivered > previous.energyDelivered)
            #expect(next.meterValue >= previous.meterValue)
        }
        let startDate = try #require(Timestamp.date(from: started.startTime))
        for (index, meter) in meters.enumerated() {
            // energy_delivered (kWh) = (register - meter_start) / 1000, and CP001 is limited by the car's 11 kW.
            #expect(meter.energyDelivered == Double(meter.meterValue - started.meterStart) / 1000)
            #expect(meter.power <= 11 && meter.power >= 11 * 0.98 - 0.01)
            #expect(abs(meter.power * 1000 - 3 * meter.voltage! * meter.current!) / (meter.power * 1000) < 0.01)
            // Fixed steps of simulated time from the session's start.
            #expect(Timestamp.date(from: meter.timestamp) == startDate.addingTimeInterval(Double(index + 1) * simulation.step))
        }
        let stopped = try log.named(.sessionStopped)[0].data.decode(as: SessionStoppedData.self)
        #expect(stopped.stopReason == "RemoteStop")
        #expect(stopped.meterStop == meters.last!.meterValue)
        #expect(stopped.energyDelivered == Double(stopped.meterStop - started.meterStart) / 1000)
        let stopDate = try #require(Timestamp.date(from: stopped.stopTime))
        #expect(Double(stopped.duration) == stopDate.timeIntervalSince(startDate))
        #expect(stopped.duration == Int(3 * simulation.step))
    }

    @Test func startIsRejectedWhenTheConnectorCannotStart() async throws {
        let simulator = Simulation().simulator
        #expect(await simulator.remoteStart(cp001, idTag: "A", transactionID: 1).isAccepted)
        #expect(await simulator.remoteStart(cp001, idTag: "B", transactionID: 2) == .reject("Connector is Charging"))
        #expect(await simulator.remoteStart(cp002, idTag: "B", transactionID: 1) == .reject("Transaction 1 already running on CP001/1"))
        #expect(await simulator.remoteStart(cp002, idTag: "", transactionID: 3) == .reject("id_tag must be 1 to 20 characters"))
        #expect(await simulator.remoteStart(.init(chargerID: "CP404", connectorID: 1), idTag: "B", transactionID: 3) == .reject("Unknown charger"))
        #expect(await simulator.remoteStop(cp001, transactionID: 99).status == "Rejected")
        #expect(await simulator.remoteStop(cp001, transactionID: 1).isAccepted)
        // Finishing until the driver unplugs: no new session yet.
        #expect(await simulator.remoteStart(cp001, idTag: "C", transactionID: 4) == .reject("Connector is Finishing"))
    }

    @Test func theSameSeedAndCommandsGiveTheSameEvents() async throws {
        func run(seed: UInt64) async -> [CMSEvent] {
            let simulation = Simulation(seed: seed)
            let simulator = simulation.simulator
            _ = await simulator.remoteStart(cp001, idTag: "T1", transactionID: 5)
            await simulation.run(seconds: 37)
            _ = await simulator.remoteStart(cp002, idTag: "T2", transactionID: 6)
            await simulation.run(steps: 4)
            _ = await simulator.fault(cp002, errorCode: .highTemperature, info: nil)
            await simulation.run(steps: 2)
            _ = await simulator.clearFault(cp002)
            await simulation.run(steps: 3)
            _ = await simulator.remoteStop(cp001, transactionID: 5)
            _ = await simulator.unplug(cp002)
            await simulation.run(seconds: 120)
            return simulation.log.all
        }
        let first = await run(seed: 42)
        #expect(first.count > 20)
        #expect(await run(seed: 42) == first)
        #expect(await run(seed: 43) != first)
    }

    @Test func aFullCarStopsDrawingPowerAndGoesSuspendedEV() async throws {
        // 60 kWh from 20 % to 100 % at 11 kW: about 4.4 hours.
        let simulation = Simulation(meterInterval: 1, speed: 600)
        _ = await simulation.simulator.remoteStart(cp001, idTag: "T", transactionID: 1)
        await simulation.run(seconds: 6 * 3600)
        #expect(simulation.log.statuses.suffix(1) == ["SuspendedEV"])
        let meters = try simulation.log.named(.meterValue).map { try $0.data.decode(as: MeterValueData.self) }
        let full = try #require(meters.firstIndex { $0.soc == 100 })
        // Exactly the energy to the target: 80 % of 60 kWh.
        #expect(abs(meters[full].energyDelivered - 48) < 0.002)
        #expect(meters[full...].allSatisfy { $0.meterValue == meters[full].meterValue })
    }
}

@Suite("charger-sim physics")
struct ChargingPhysicsTests {
    @Test func acPowerIsPhasesTimesVoltageTimesCurrentWithinTheCarLimit() {
        let physics = ChargingPhysics(charger: FleetDefinition.builtIn.charger("CP001")!, car: .standard)
        let reading = physics.reading(soc: 50, elapsed: 60, fluctuation: 0)
        #expect(reading.power == 11)
        #expect(abs(reading.current - 11_000 / (3 * 230)) < 1e-9)
        #expect(physics.reading(soc: 100, elapsed: 60, fluctuation: 0).power == 0)
    }

    @Test func dcRampsUpHoldsItsCurrentThenHoldsItsVoltageAsTheBatteryFills() {
        let physics = ChargingPhysics(charger: FleetDefinition.builtIn.charger("CP002")!, car: .standard)
        let rated = FleetDefinition.builtIn.charger("CP002")!.ratedPower
        #expect(physics.reading(soc: 20, elapsed: 10, fluctuation: 0).power < physics.reading(soc: 20, elapsed: 30, fluctuation: 0).power)
        // Constant current: the same amps at 30 % and 60 %, more volts (and power) as it fills.
        let early = physics.reading(soc: 30, elapsed: 600, fluctuation: 0), later = physics.reading(soc: 60, elapsed: 600, fluctuation: 0)
        #expect(early.current == later.current && early.voltage < later.voltage && later.power <= rated)
        // Constant voltage: 400 V, the current falls toward the target.
        let cv1 = physics.reading(soc: 85, elapsed: 600, fluctuation: 0), cv2 = physics.reading(soc: 95, elapsed: 600, fluctuation: 0)
        #expect(cv1.voltage == 400 && cv2.voltage == 400 && cv2.current < cv1.current && cv2.current > 0)
        for soc in stride(from: 20.0, to: 100, by: 1) {
            for fluctuation in [0.0, 0.5, 0.999] {
                let reading = physics.reading(soc: soc, elapsed: 600, fluctuation: fluctuation)
                #expect(reading.power <= rated + 1e-9 && reading.power > 0)
            }
        }
    }
}
