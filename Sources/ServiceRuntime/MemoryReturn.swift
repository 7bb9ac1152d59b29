import NIOConcurrencyHelpers
import Synchronization

/// Gives memory back to the system after many clients have left. glibc keeps what was freed
/// in its arenas; without a trim, RSS stays at its peak long after a burst of connections.
/// mock-redis (clients) and the gateway (sockets) call it.
public final class MemoryReturn: Sendable {
    /// Clients that must have left since the last trim before another one.
    public let threshold: Int
    /// Checks (`check` is called about once a second) without a new connection before a
    /// burst of short-lived ones counts as over.
    public let quietChecks: Int

    private struct State {
        /// The most clients seen since the last trim.
        var peak = 0
        var acceptedAtLastCheck = 0
        var acceptedAtLastTrim = 0
        var quietChecks = 0
    }

    private let state = NIOLockedValueBox(State())
    private let accepted = Atomic<Int>(0)

    public init(threshold: Int = 256, quietChecks: Int = 2) {
        self.threshold = threshold
        self.quietChecks = quietChecks
    }

    /// A connection was accepted. Connections refused or closed before they count as clients
    /// (a flood of bad handshakes) never raise `connected`, but their memory is freed too: once
    /// `threshold` of them have come and the accepting has stopped, the memory goes back.
    public func noteAccepted() {
        accepted.wrappingAdd(1, ordering: .relaxed)
    }

    /// Called now and then with the number of connected clients; true when it trimmed.
    @discardableResult
    public func check(connected: Int) -> Bool {
        let acceptedNow = accepted.load(ordering: .relaxed)
        let shouldTrim = state.withLockedValue { state in
            state.peak = max(state.peak, connected)
            if acceptedNow == state.acceptedAtLastCheck {
                state.quietChecks += 1
            } else {
                state.quietChecks = 0
                state.acceptedAtLastCheck = acceptedNow
            }
            let burstOver = acceptedNow - state.acceptedAtLastTrim >= threshold && state.quietChecks == quietChecks
            guard state.peak - connected >= threshold || burstOver else { return false }
            state.peak = connected
            state.acceptedAtLastTrim = acceptedNow
            return true
        }
        if shouldTrim { _ = GlibcMalloc.trim?(0) }
        return shouldTrim
    }
}
