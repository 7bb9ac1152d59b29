import Foundation
import Logging
import Synchronization

/// Every executable logs to stderr at `LOG_LEVEL` (trace, debug, info, warn, error).
public enum LoggingSetup {
    private static let bootstrapped = Atomic<Bool>(false)

    /// Safe to call more than once: swift-log traps on a second `LoggingSystem.bootstrap`, and a
    /// command may reach this from several code paths (the scenario runner did, and crashed).
    public static func bootstrap(level text: String? = ProcessInfo.processInfo.environment["LOG_LEVEL"]) {
        guard !bootstrapped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        let level = parseLevel(text) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }

    public static func parseLevel(_ text: String?) -> Logger.Level? {
        switch text?.lowercased() {
        case "trace": .trace
        case "debug": .debug
        case "info": .info
        case "notice": .notice
        case "warn", "warning": .warning
        case "error": .error
        case "critical": .critical
        default: nil
        }
    }
}

extension Logger {
    /// The line that tells the bound address, the same in every executable, so that scripts and
    /// tests started with `--port 0` can read the port: `listening on http://127.0.0.1:54321`.
    public func announceListening(scheme: String, host: String, port: Int) {
        info("listening on \(scheme)://\(host):\(port)")
    }
}
