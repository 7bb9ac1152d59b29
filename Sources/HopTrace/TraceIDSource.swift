import Synchronization

/// Random trace and span ids, as W3C Trace Context asks (unpredictable enough that two
/// programs do not pick the same), without a system call each.
///
/// The gateway makes a span for every action; drawing each from the kernel
/// (`SystemRandomNumberGenerator`, one `getrandom` per 64 bits) cost four system calls per
/// action. This is SplitMix64 over one atomic counter, seeded from the system once: lock-free,
/// and no two draws in a process repeat before 2^64 of them.
enum TraceIDSource {
    private static let state: Atomic<UInt64> = {
        var system = SystemRandomNumberGenerator()
        return Atomic(system.next())
    }()

    /// 64 random bits, never zero (an id of all zeros is invalid).
    static func nonZero() -> UInt64 {
        while true {
            let value = next()
            if value != 0 { return value }
        }
    }

    static func next() -> UInt64 {
        let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15
        var z = state.wrappingAdd(gamma, ordering: .relaxed).newValue
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
