import Foundation
import ServiceLifecycle

/// Moves the simulation along with the clock: every `tick` of wall time it runs what is due.
/// Meter values carry the simulated time they were due, so the tick only bounds how late they
/// leave, never what they say.
struct SimulationDriver: Service {
    let simulator: FleetSimulator
    var tick: Duration = .milliseconds(20)

    func run() async throws {
        await simulator.startWalkIns()
        await cancelWhenGracefulShutdown {
            var next = ContinuousClock.now
            while !Task.isCancelled {
                next += tick
                try? await Task.sleep(until: next, clock: .continuous)
                await simulator.advance(to: simulator.clock.now())
                // After a long pause (a stopped process, a slow machine) catch up without a burst of ticks.
                if ContinuousClock.now - next > tick * 10 { next = ContinuousClock.now }
            }
        }
    }
}
