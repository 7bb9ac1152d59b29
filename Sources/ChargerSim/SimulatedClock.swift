import Foundation
import ServiceRuntime

/// The simulator's time. `now` runs `speed` times faster than the wall clock; tests drive a
/// `ManualClock` instead and call `FleetSimulator.advance(to:)` themselves.
protocol SimulationClock: Sendable {
    func now() -> Date
}

/// Starts at the wall-clock time of launch and runs `speed` times faster.
struct SimulatedClock: SimulationClock {
    let origin: Date
    let speed: Double
    private let started = ContinuousClock.now

    init(origin: Date = Date(), speed: Double) {
        self.origin = origin
        self.speed = speed
    }

    func now() -> Date {
        origin.addingTimeInterval((ContinuousClock.now - started).seconds * speed)
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
