import NIOCore

/// Per-connection rate limit: `rate` messages per second on average, bursts up to `burst`.
/// The rate and burst are the same for every socket, so each socket keeps only its level.
struct TokenBucket {
    struct Limit {
        /// Messages per second.
        let rate: Double
        let burst: Double

        init(rate: Double, burst: Double) {
            self.rate = rate
            self.burst = max(burst, 1)
        }
    }

    private var tokens: Double
    private var last: NIODeadline

    /// Full.
    init(_ limit: Limit, now: NIODeadline = .now()) {
        self.tokens = limit.burst
        self.last = now
    }

    /// Takes one token; false when the bucket is empty.
    mutating func take(_ limit: Limit, now: NIODeadline = .now()) -> Bool {
        let elapsed = Double((now - last).nanoseconds) / 1e9
        last = now
        tokens = min(limit.burst, tokens + elapsed * limit.rate)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
