import Fleet
import Foundation
import Messages
import OCPP
import Testing

@testable import ChargerSim

/// Random sequences of commands, faults and time, checked against the rules real chargers
/// follow: only transitions OCPP allows, each reported from the status last reported, a
/// register that never goes back, power within the charger's limits, and figures that agree.
@Suite("charger-sim properties")
struct TransitionPropertyTests {
    static let keys = [("CP001", 1), ("CP001", 2), ("CP002", 1), ("CP003", 1)].map { FleetSimulator.ConnectorKey(chargerID: $0.0, connectorID: $0.1) }

    @Test(arguments: 1...120)
    func randomCommandsNeverBreakTheRules(seed: UInt64) async throws {
        let simulation = Simulation(seed: seed, meterInterval: 1, speed: 120)
        let simulator = simulation.simulator
        var random = SeededRandom(seed: seed &* 7919)
        var transaction = 1
        for _ in 0..<60 {
            let key = Self.keys[Int(random.next() % UInt64(Self.keys.count))]
            switch random.next() % 13 {
            case 0, 1:
                transaction += 1
                _ = await simulator.remoteStart(key, idTag: "RFID\(transaction % 3)", transactionID: transaction)
            case 2: _ = await simulator.remoteStop(key, transactionID: nil)
            case 3:
                let codes = ChargePointErrorCode.allCases.filter { $0 != .noError }
                _ = await simulator.fault(key, errorCode: codes[Int(random.next() % UInt64(codes.count))], info: nil)
            case 4: _ = await simulator.clearFault(key)
            case 5: _ = await simulator.unplug(key)
            case 6: _ = await simulator.powerLoss(key.chargerID)
            case 7: _ = await simulator.powerRestore(key.chargerID)
            case 8: _ = await simulator.setOnline(key.chargerID, random.next() % 2 == 0)
            case 9:
                transaction += 1
                _ = await simulator.reserve(key, idTag: "RFID\(transaction % 3)", reservationID: transaction, expiresIn: Double(random.next() % 900 + 1))
            case 10: _ = await simulator.cancelReservation(key)
            default: await simulation.run(seconds: Double(random.next() % 600))
            }
        }
        // Bring every charger back so that held events are sent, then let sessions finish.
        for charger in Set(Self.keys.map(\.chargerID)) {
            _ = await simulator.setOnline(charger, true)
            _ = await simulator.powerRestore(charger)
        }
        await simulation.run(seconds: 3600)
        try Self.check(simulation.log.all, seed: seed)
    }

    static func check(_ events: [CMSEvent], seed: UInt64) throws {
        var status: [FleetSimulator.ConnectorKey: String] = [:]
        var register: [FleetSimulator.ConnectorKey: Int] = [:]
        var started: [Int: SessionStartedData] = [:]
        let fleet = FleetDefinition.builtIn
        for event in events {
            guard let connectorID = event.connectorID else { continue }
            let transaction = event.transactionID ?? -1
            let key = FleetSimulator.ConnectorKey(chargerID: event.chargerID, connectorID: connectorID)
            switch event.event {
            case .statusChanged:
                let change = try event.data.decode(as: StatusChangedData.self)
                let previous = status[key] ?? "Available"
                #expect(change.previousStatus == previous, "seed \(seed): \(key) reported from \(change.previousStatus), was \(previous)")
                let from = try #require(ChargePointStatus(rawValue: previous)), to = try #require(ChargePointStatus(rawValue: change.status))
                #expect(from.canTransition(to: to), "seed \(seed): \(key) \(from) -> \(to) is not allowed by OCPP")
                status[key] = change.status
            case .sessionStarted:
                started[try #require(event.transactionID)] = try event.data.decode(as: SessionStartedData.self)
            case .meterValue:
                let meter = try event.data.decode(as: MeterValueData.self)
                let session = try #require(started[transaction])
                #expect(meter.meterValue >= register[key] ?? 0, "seed \(seed): \(key) register went back")
                register[key] = meter.meterValue
                #expect(meter.energyDelivered == Double(meter.meterValue - session.meterStart) / 1000, "seed \(seed)")
                let charger = try #require(fleet.charger(key.chargerID))
                let limit = charger.kind == .ac ? min(charger.ratedPower, fleet.car.onboardACLimit) : charger.ratedPower
                #expect(meter.power >= 0 && meter.power <= limit + 0.005, "seed \(seed): \(meter.power) kW on \(key)")
            case .sessionStopped:
                let stopped = try event.data.decode(as: SessionStoppedData.self)
                let session = try #require(started[transaction])
                let begin = try #require(Timestamp.date(from: session.startTime)), end = try #require(Timestamp.date(from: stopped.stopTime))
                #expect(Double(stopped.duration) == end.timeIntervalSince(begin), "seed \(seed)")
                #expect(stopped.energyDelivered == Double(stopped.meterStop - session.meterStart) / 1000, "seed \(seed)")
                #expect(stopped.meterStop >= register[key] ?? 0)
            default:
                break
            }
        }
    }
}
