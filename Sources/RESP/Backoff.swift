/// Capped exponential backoff with jitter, so that many clients do not reconnect in step.
public struct Backoff: Sendable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The wait before attempt `attempt` (0 for the first retry): between half and all of
    /// `initial * 2^attempt`, never above `maximum`.
    public func delay(attempt: Int) -> Duration {
        let ceiling = min(maximum, initial * (1 << min(attempt, 20)))
        return ceiling * Double.random(in: 0.5...1.0)
    }
}
