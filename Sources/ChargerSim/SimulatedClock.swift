import Foundation
import ServiceRuntime

/// The simulator's time. `now` runs `speed` times faster than the wall clock; tests drive a
/// `ManualClock` instead and call `FleetSimulator.advance(to:)` themselves.
protocol SimulationClock: Sendable {
    func now() -> Date
}

/// The simulated clock that a scenario steers: it runs `speed` times faster than the wall
/// clock, or stands still while paused, and jumps forward when advanced. Every change keeps
/// `now()` continuous: the clock never goes back except on `reset`.
final class SimulatedClock: SimulationClock, @unchecked Sendable {
    struct State: Sendable, Equatable {
        /// Simulated time at `anchor`.
        var simulated: Date
        var anchor: ContinuousClock.Instant
        var speed: Double
        var paused: Bool

        func now(at wall: ContinuousClock.Instant) -> Date {
            paused ? simulated : simulated.addingTimeInterval((wall - anchor).seconds * speed)
        }
    }

    private let lock = NSLock()
    private var state: State

    init(origin: Date = Date(), speed: Double, paused: Bool = false) {
        state = State(simulated: origin, anchor: .now, speed: speed, paused: paused)
    }

    func now() -> Date { lock.withLock { state.now(at: .now) } }

    var snapshot: (now: Date, speed: Double, paused: Bool) {
        lock.withLock { (state.now(at: .now), state.speed, state.paused) }
    }

    func pause() { change { $0.paused = true } }
    func resume() { change { $0.paused = false } }
    func setSpeed(_ speed: Double) { change { $0.speed = speed } }
    func advance(by seconds: Double) { change { $0.simulated.addTimeInterval(seconds) } }

    /// Back to `origin`, as at launch.
    func reset(origin: Date, speed: Double, paused: Bool) {
        lock.withLock { state = State(simulated: origin, anchor: .now, speed: speed, paused: paused) }
    }

    /// Re-anchors at the present moment, then applies `body`.
    private func change(_ body: (inout State) -> Void) {
        lock.withLock {
            let wall = ContinuousClock.now
            state.simulated = state.now(at: wall)
            state.anchor = wall
            body(&state)
        }
    }
}

/// A clock that moves only when told to.
final class ManualClock: SimulationClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    init(_ start: Date = Date(timeIntervalSince1970: 1_767_225_600)) { current = start }

    func now() -> Date { lock.withLock { current } }
    func set(_ date: Date) { lock.withLock { current = date } }
}

/// SplitMix64: small, fast, and the same sequence for the same seed on every machine.
struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// A generator for one session, independent of the order in which sessions start.
    init(seed: UInt64, chargerID: String, connectorID: Int, transactionID: Int) {
        var mixed = seed
        for byte in chargerID.utf8 { mixed = (mixed ^ UInt64(byte)) &* 0x100000001B3 }
        mixed ^= UInt64(truncatingIfNeeded: connectorID) &* 0x9E3779B97F4A7C15
        mixed ^= UInt64(truncatingIfNeeded: transactionID) &* 0xC2B2AE3D27D4EB4F
        state = mixed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }

    /// A double in 0..<1.
    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}
