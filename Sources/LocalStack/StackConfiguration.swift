import Foundation

/// What `client up` and a scenario run start: which programs, on which ports, with which
/// secrets and simulator settings. Ports may be 0 (chosen by the OS).
public struct StackConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var gatewayPort = 8080
    public var backendPort = 8000
    public var cmsPort = 9000
    public var redisPort = 6379
    /// Use this Redis instead of starting mock-redis.
    public var redisURL: String?
    /// Run this redis-server (a path) instead of mock-redis, on a free port.
    public var redisServer: String?
    /// Use this backend instead of starting mock-backend and charger-sim.
    public var backendURL: String?
    /// mock-backend's SQLite file; nil: a new one in a scratch folder, removed on stop.
    public var database: String?
    public var jwtSecret = "dev-secret-change-me"
    public var cmsSecret = "dev-cms-secret"
    /// charger-sim: wall-clock seconds between meter values, simulated seconds per wall-clock
    /// second, seed, walk-in drivers.
    public var meterInterval = 1.0
    public var speed = 60.0
    public var seed: UInt64 = 42
    public var walkIns = false
    /// charger-sim's clock starts paused (it moves only when told to).
    public var clockPaused = false
    /// Where the executables are.
    public var binDirectory: URL
    /// The programs' log level (LOG_LEVEL).
    public var logLevel: String?

    public init(binDirectory: URL = StackConfiguration.ownDirectory) {
        self.binDirectory = binDirectory
    }

    /// Every port chosen by the OS: what tests and scenario runs use.
    public static func anyPorts(binDirectory: URL = StackConfiguration.ownDirectory) -> StackConfiguration {
        var configuration = StackConfiguration(binDirectory: binDirectory)
        (configuration.gatewayPort, configuration.backendPort, configuration.cmsPort, configuration.redisPort) = (0, 0, 0, 0)
        return configuration
    }

    /// The folder of the running executable, where `swift build` puts its siblings.
    public static var ownDirectory: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }

    var secrets: [String: String] { ["JWT_SECRET": jwtSecret, "CMS_SECRET": cmsSecret] }
}
