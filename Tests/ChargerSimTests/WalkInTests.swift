import Foundation
import Messages
import Testing

@testable import ChargerSim

/// `--auto`: walk-in drivers who come and go by themselves, within the same rules.
@Suite("charger-sim walk-in drivers")
struct WalkInTests {
    func run(seed: UInt64) async -> EventLog {
        let simulation = Simulation(seed: seed, meterInterval: 1, speed: 300) { configuration in
            configuration.auto = true
            configuration.meanArrival = 30 * 60
        }
        await simulation.simulator.startWalkIns()
        for _ in 0..<48 { await simulation.run(seconds: 15 * 60) }
        return simulation.log
    }

    @Test func driversComeChargeAndLeaveWithinOCPPsRules() async throws {
        let log = await run(seed: 11)
        let started = log.named(.sessionStarted)
        let stopped = try log.named(.sessionStopped).map { try $0.data.decode(as: SessionStoppedData.self) }
        #expect(started.count > 20)
        #expect(started.allSatisfy { ($0.transactionID ?? 0) >= FleetSimulator.firstWalkInTransaction })
        #expect(started.allSatisfy { $0.data["id_tag"]?.stringValue?.hasPrefix("WALKIN") == true })
        #expect(!stopped.isEmpty && stopped.allSatisfy { ["Local", "EVDisconnected"].contains($0.stopReason) })
        #expect(Set(started.map(\.transactionID)).count == started.count)
        try TransitionPropertyTests.check(log.all, seed: 11)
    }

    @Test func walkInsTurnOffAndOnAtRunTime() async {
        let simulation = Simulation(seed: 3, meterInterval: 1, speed: 300) { configuration in
            configuration.auto = false
            configuration.meanArrival = 30 * 60
        }
        await simulation.simulator.startWalkIns()
        for _ in 0..<8 { await simulation.run(seconds: 15 * 60) }
        #expect(simulation.log.named(.sessionStarted).isEmpty, "walk-ins are off without --auto")

        await simulation.simulator.setWalkIns(true)
        // Turned on twice: still one stream of drivers per connector.
        await simulation.simulator.setWalkIns(true)
        #expect(await simulation.simulator.load.timers == simulation.simulator.connectors.count)
        for _ in 0..<16 { await simulation.run(seconds: 15 * 60) }
        let whileOn = simulation.log.named(.sessionStarted).count
        #expect(whileOn > 3)

        await simulation.simulator.setWalkIns(false)
        for _ in 0..<16 { await simulation.run(seconds: 15 * 60) }
        #expect(simulation.log.named(.sessionStarted).count == whileOn, "no driver arrives once walk-ins are off")
        #expect(await simulation.simulator.arrivalsPending.isEmpty)
    }

    @Test func theSameSeedBringsTheSameDrivers() async {
        let first = await run(seed: 5).all
        #expect(await run(seed: 5).all == first)
        #expect(await run(seed: 6).all != first)
    }
}
