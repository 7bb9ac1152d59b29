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

    @Test func theSameSeedBringsTheSameDrivers() async {
        let first = await run(seed: 5).all
        #expect(await run(seed: 5).all == first)
        #expect(await run(seed: 6).all != first)
    }
}
