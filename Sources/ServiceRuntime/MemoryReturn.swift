#if canImport(Glibc)
import Glibc
#endif
import NIOConcurrencyHelpers

/// Gives memory back to the system after many clients have left. glibc keeps what was freed
/// in its arenas; without a trim, RSS stays at its peak long after a burst of connections.
/// mock-redis (clients) and the gateway (sockets) call it.
public final class MemoryReturn: Sendable {
    /// Clients that must have left since the last trim before another one.
    public let threshold: Int
    /// The most clients seen since the last trim.
    private let peak = NIOLockedValueBox(0)

    public init(threshold: Int = 256) { self.threshold = threshold }

    /// Called now and then with the number of connected clients.
    public func check(connected: Int) {
        let shouldTrim = peak.withLockedValue { peak in
            peak = max(peak, connected)
            guard peak - connected >= threshold else { return false }
            peak = connected
            return true
        }
        if shouldTrim { _ = Self.trim?(0) }
    }

    /// glibc's `malloc_trim`, looked up at run time (Swift's Glibc module leaves out malloc.h).
    private static let trim: (@convention(c) (Int) -> Int32)? = {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
        #else
        return nil
        #endif
    }()
}
