import NIOConcurrencyHelpers

/// Counts backend calls in flight across all connections, so that shutdown can let them finish
/// (a `start_charging` the backend has accepted should not be cut off mid-way).
final class BackendCallTracker: Sendable {
    private struct State {
        var inFlight = 0
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    var inFlight: Int { state.withLockedValue { $0.inFlight } }

    func started() { state.withLockedValue { $0.inFlight += 1 } }

    func finished() {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.inFlight -= 1
            guard state.inFlight == 0 else { return [] }
            defer { state.idleWaiters.removeAll() }
            return state.idleWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when no call is in flight, or after `timeout`.
    func drain(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { continuation in
                    let idle = self.state.withLockedValue { state -> Bool in
                        if state.inFlight == 0 { return true }
                        state.idleWaiters.append(continuation)
                        return false
                    }
                    if idle { continuation.resume() }
                }
            }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            // The waiter cannot be cancelled; wake it so the group can finish.
            let waiters = self.state.withLockedValue { state in
                defer { state.idleWaiters.removeAll() }
                return state.idleWaiters
            }
            for waiter in waiters { waiter.resume() }
        }
    }
}
