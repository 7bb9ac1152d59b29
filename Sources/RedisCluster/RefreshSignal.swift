import NIOConcurrencyHelpers
import NIOCore

/// Wakes a waiting loop early: fired any number of times, it wakes the waiter once (or the
/// next wait returns at once, when nobody waits yet).
final class RefreshSignal: Sendable {
    private struct State {
        var fired = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = NIOLockedValueBox(State())

    func fire() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            defer { state.waiter = nil }
            if state.waiter == nil { state.fired = true }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Returns when fired, after `timeout`, or when the task is cancelled.
    func wait(upTo timeout: TimeAmount, on eventLoop: any EventLoop) async {
        let timer = eventLoop.scheduleTask(in: timeout) { self.fire() }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLockedValue { state -> Bool in
                    if state.fired {
                        state.fired = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            fire()
        }
    }
}
