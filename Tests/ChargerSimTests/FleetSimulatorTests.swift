import Fleet
import Foundation
import Logging
import Messages
import NIOConcurrencyHelpers
import Testing
import TestSupport

@testable import ChargerSim

/// Records what the simulator emits.
final class EventLog: Sendable {
    private let events = NIOLockedValueBox<[CMSEvent]>([])
    var all: [CMSEvent] { events.withLockedValue { $0 } }
    func append(_ event: CMSEvent) { events.withLockedValue { $0.append(event) } }
    func named(_ name: CMSEventName) -> [CMSEvent] { all.filter { $0.event == name } }
    var statuses: [String] { named(.statusChanged).compactMap { $0.data["status"]?.stringValue } }
}

func makeSimulator(seed: UInt64 = 7, meterInterval: Double = 0.02, speed: Double = 60) -> (FleetSimulator, EventLog) {
    var configuration = SimulatorConfiguration(cmsSecret: "s")
    configuration.seed = seed
    configuration.meterInterval = meterInterval
    configuration.speed = speed
    let log = EventLog()
    let simulator = FleetSimulator(fleet: .builtIn, configuration: configuration, logger: Logger(label: "sim"), emit: { log.append($0) })
    return (simulator, log)
}

@Suite("charger-sim sessions")
struct FleetSimulatorTests {
    let cp001 = FleetSimulator.ConnectorKey(chargerID: "CP001", connectorID: 1)

    @Test func aSessionGoesThroughOCPPStatusesAndReportsConsistentFigures() async throws {
        let (simulator, log) = makeSimulator()
        let accepted = await simulator.remoteStart(cp001, idTag: "RFID123", transactionID: 789)
        #expect(accepted == RemoteCommandResult(status: "Accepted"))
        try await waitUntil { log.named(.meterValue).count >= 3 }
        #expect(await simulator.remoteStop(cp001, transactionID: 789).isAccepted)
        try await waitUntil { !log.named(.sessionCompleted).isEmpty }

        #expect(log.statuses == ["Preparing", "Charging", "Finishing", "Available"])
        let names = log.all.map(\.event.rawValue)
        #expect(names.firstIndex(of: "session_started")! < names.firstIndex(of: "meter_value")!)
        #expect(names.lastIndex(of: "meter_value")! < names.firstIndex(of: "session_stopped")!)
        #expect(names.last == "session_completed")

        let started = try log.named(.sessionStarted)[0].data.decode(as: SessionStartedData.self)
        #expect(started.idTag == "RFID123" && started.chargerID == "CP001" && started.connectorID == 1)
        let meters = try log.named(.meterValue).map { try $0.data.decode(as: MeterValueData.self) }
        for (previous, next) in zip(meters, meters.dropFirst()) {
            #expect(next.energyDelivered > previous.energyDelivered)
            #expect(next.meterValue >= previous.meterValue)
        }
        for meter in meters {
            // energy_delivered (kWh) = (register - meter_start) / 1000, and CP001 is limited by the car's 11 kW.
            #expect(abs(meter.energyDelivered - Double(meter.meterValue - started.meterStart) / 1000) < 1e-9)
            #expect(meter.power <= 11 && meter.power >= 11 * 0.98 - 0.01)
            #expect(abs(meter.power * 1000 - 3 * meter.voltage! * meter.current!) / (meter.power * 1000) < 0.01)
        }
        let stopped = try log.named(.sessionStopped)[0].data.decode(as: SessionStoppedData.self)
        #expect(stopped.stopReason == "RemoteStop")
        #expect(stopped.meterStop >= meters.last!.meterValue)
        #expect(abs(stopped.energyDelivered - Double(stopped.meterStop - started.meterStart) / 1000) < 1e-9)
        let startDate = try #require(Timestamp.date(from: started.startTime))
        let stopDate = try #require(Timestamp.date(from: stopped.stopTime))
        #expect(abs(Double(stopped.duration) - stopDate.timeIntervalSince(startDate)) <= 1)
    }

    @Test func startIsRejectedWhenTheConnectorCannotStart() async throws {
        let (simulator, _) = makeSimulator()
        #expect(await simulator.remoteStart(cp001, idTag: "A", transactionID: 1).isAccepted)
        let busy = await simulator.remoteStart(cp001, idTag: "B", transactionID: 2)
        #expect(busy == RemoteCommandResult(status: "Rejected", reason: "Connector is Charging"))
        let unknown = await simulator.remoteStart(.init(chargerID: "CP404", connectorID: 1), idTag: "B", transactionID: 3)
        #expect(unknown.status == "Rejected")
        #expect(await simulator.remoteStop(cp001, transactionID: 99).status == "Rejected")
        _ = await simulator.remoteStop(cp001, transactionID: 1)
    }

    @Test func theSameSeedGivesTheSameMeterValues() async throws {
        func run(seed: UInt64) async throws -> [JSONValue] {
            let (simulator, log) = makeSimulator(seed: seed)
            _ = await simulator.remoteStart(cp001, idTag: "T", transactionID: 5)
            try await waitUntil { log.named(.meterValue).count >= 4 }
            _ = await simulator.remoteStop(cp001, transactionID: 5)
            // Timestamps follow the start time; the figures follow the seed only.
            return log.named(.meterValue).prefix(4).map { event in
                var data = event.data.objectValue!
                data["timestamp"] = nil
                return .object(data)
            }
        }
        let first = try await run(seed: 42)
        #expect(try await run(seed: 42) == first)
        #expect(try await run(seed: 43) != first)
    }
}

@Suite("charger-sim physics")
struct ChargingPhysicsTests {
    @Test func acPowerIsPhasesTimesVoltageTimesCurrentWithinTheCarLimit() {
        let physics = ChargingPhysics(charger: FleetDefinition.builtIn.charger("CP001")!, car: .standard)
        let reading = physics.reading(soc: 50, fluctuation: 0)
        #expect(reading.power == 11)
        #expect(abs(reading.current - 11_000 / (3 * 230)) < 1e-9)
        #expect(physics.reading(soc: 100, fluctuation: 0).power == 0)
    }

    @Test func dcTapersAsTheBatteryFills() {
        let physics = ChargingPhysics(charger: FleetDefinition.builtIn.charger("CP002")!, car: .standard)
        let bulk = physics.reading(soc: 50, fluctuation: 0).power
        let tapered = physics.reading(soc: 90, fluctuation: 0).power
        #expect(bulk == 50)
        #expect(tapered < bulk && tapered > 0)
        #expect(physics.reading(soc: 50, fluctuation: 1).power <= 50)
    }
}
