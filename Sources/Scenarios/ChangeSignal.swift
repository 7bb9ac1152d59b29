import NIOConcurrencyHelpers

/// Wakes whoever waits for something to change (a message arrived, a socket closed), or once
/// their deadline passes: waiting costs nothing between events and never polls.
final class ChangeSignal: Sendable {
    private struct State {
        var version: UInt64 = 0
        var nextWaiter: UInt64 = 0
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = NIOLockedValueBox(State())

    var version: UInt64 { state.withLockedValue { $0.version } }

    func fire() {
        let waiters = state.withLockedValue { state in
            state.version += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the version has moved past `seen`, or at `deadline`.
    func wait(beyond seen: UInt64, until deadline: ContinuousClock.Instant) async {
        let timer = Task { [weak self] in
            try? await Task.sleep(until: deadline, clock: .continuous)
            self?.wakeAll()
        }
        defer { timer.cancel() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLockedValue { state -> Bool in
                if state.version != seen || ContinuousClock.now >= deadline { return true }
                state.nextWaiter += 1
                state.waiters[state.nextWaiter] = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    private func wakeAll() {
        let waiters = state.withLockedValue { state in
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }
}
