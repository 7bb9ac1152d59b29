import ServiceRuntime
/// Messages the app wants to send, kept while the connection is down and sent in order once it
/// is back (the spec's best practice). Bounded: past `limit`, new messages are refused.
public actor OutboundQueue {
    public nonisolated let limit: Int
    private var messages: [String] = []
    private var finished = false
    private var waiters: [CheckedContinuation<Void, Never>] = []
    /// Sent on this connection and not answered yet: every message gets one `response` or `error`.
    private var unanswered = 0
    private var answerWaiters: [CheckedContinuation<Void, Never>] = []

    public init(limit: Int = 100) { self.limit = limit }

    /// False when the queue is full (the message is not kept) or finished.
    public func enqueue(_ message: String) -> Bool {
        guard !finished, messages.count < limit else { return false }
        messages.append(message)
        wake()
        return true
    }

    /// The app has nothing more to send: once the queue is empty, the connection closes.
    public func finish() {
        finished = true
        wake()
    }

    /// True once `finish` was called and every message has gone out.
    public var isDone: Bool { finished && messages.isEmpty }

    /// The oldest message, once there is one; it stays queued until `removeFirst`. Nil once the
    /// queue is done, or when the caller is cancelled.
    public func first() async -> String? {
        while messages.isEmpty {
            if finished || Task.isCancelled { return nil }
            await withCheckedContinuation { waiters.append($0) }
        }
        return messages.first
    }

    /// Called once the oldest message is written: a message is never sent twice.
    public func removeFirst() {
        if !messages.isEmpty { messages.removeFirst() }
        unanswered += 1
    }

    /// A `response` or `error` arrived.
    public func answered() {
        unanswered = max(0, unanswered - 1)
        if unanswered == 0 { resumeAnswerWaiters() }
    }

    /// A new connection: answers to the old one's messages will not come.
    public func connectionChanged() {
        unanswered = 0
        resumeAnswerWaiters()
    }

    /// Returns once every message sent has its answer (or the connection changed).
    public func waitForAnswers() async {
        while unanswered > 0, !Task.isCancelled {
            await withCheckedContinuation { answerWaiters.append($0) }
        }
    }

    private func resumeAnswerWaiters() {
        let waiting = answerWaiters
        answerWaiters = []
        for waiter in waiting { waiter.resume() }
    }

    /// Wakes every `first()` that waits (after a message, `finish`, or to let a cancelled
    /// sender see its cancellation).
    public func wake() {
        let waiting = waiters
        waiters = []
        for waiter in waiting { waiter.resume() }
        resumeAnswerWaiters()
    }

    public var count: Int { messages.count }
}

/// A client-side token bucket, so the app stays under the gateway's rate limit instead of
/// collecting "Rate limit exceeded" errors.
public struct SendPacer: Sendable {
    public var rate: Double
    public var burst: Double
    private var tokens: Double
    private var last = ContinuousClock.now

    public init(rate: Double = 10, burst: Double = 20) {
        self.rate = rate
        self.burst = burst
        tokens = burst
    }

    /// How long to wait before the next send (zero when a token is there); takes the token.
    public mutating func delayForNextSend(now: ContinuousClock.Instant = .now) -> Duration {
        guard rate > 0 else { return .zero }
        tokens = min(burst, tokens + (now - last).seconds * rate)
        last = now
        tokens -= 1
        return tokens >= 0 ? .zero : .seconds(-tokens / rate)
    }
}
