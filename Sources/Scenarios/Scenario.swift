import Messages

/// One scenario file: the phones it uses and the steps it runs, in order.
public struct Scenario: Sendable {
    public var name: String
    public var file: String
    public var description: String?
    /// charger-sim's seed for this scenario (applied by the reset before it).
    public var seed: UInt64 = 42
    public var clock = ClockSetting()
    /// Wall-clock seconds to wait for anything that simulated time does not govern.
    public var timeout: Double = 5
    public var phones: [PhoneSpec] = []
    public var steps: [Step] = []
    /// Tags to select scenarios by (`--tag`).
    public var tags: [String] = []
    /// The stack it runs against: the one `client scenario run` starts, or one running elsewhere.
    public var stack = StackSetting.local

    public init(name: String, file: String) {
        self.name = name
        self.file = file
    }
}

/// Which stack a scenario runs against (`stack:`).
public enum StackSetting: Sendable, Equatable {
    /// The stack that `client scenario run` starts itself on free ports and stops after.
    case local
    /// A stack that runs elsewhere: a real Laravel and Redis, or `client up` on a laptop.
    case running(RunningStack)
}

/// Where a running stack is, as a scenario file gives it (`${NAME}` read from the environment).
public struct RunningStack: Sendable, Equatable {
    /// ws:// or wss://
    public var gateway: String
    public var backend: String
    /// charger-sim, for fault, clock and walk-in steps; nil for a real CMS.
    public var sim: String?
    public var redis: String?
    /// nil: the run's (`--jwt-secret`, `JWT_SECRET`).
    public var jwtSecret: String?
    public var cmsSecret: String?
    /// false for a backend without `POST /api/testing/reset` (a real Laravel).
    public var reset = true

    public init(gateway: String, backend: String) {
        self.gateway = gateway
        self.backend = backend
    }
}

/// How charger-sim's clock runs during a scenario.
public struct ClockSetting: Sendable, Equatable {
    /// Paused: simulated time moves only by `advance` steps and `within` waits.
    public var paused = true
    /// Simulated seconds per wall-clock second while it runs.
    public var speed: Double = 60
    /// Simulated time at the start, ISO-8601; nil: where the clock is.
    public var start: String?

    public init(paused: Bool = true, speed: Double = 60, start: String? = nil) {
        self.paused = paused
        self.speed = speed
        self.start = start
    }
}

/// A virtual phone: a user with a WebSocket to the gateway.
public struct PhoneSpec: Sendable, Equatable {
    public enum Credentials: Sendable, Equatable {
        /// A token minted with the stack's secret, valid for `ttl` seconds.
        case minted(userID: Int, ttl: Double)
        /// mock-backend's (or Laravel's) `POST /api/auth/login`.
        case login(email: String, password: String)
        /// A token as given (an invalid one, to test the refusal).
        case token(String)
    }

    public var name: String
    public var credentials: Credentials
    /// Reconnects with backoff and queues sends while down, as the spec's best practices say.
    public var reconnect = false
    public var location: SourceLocation

    public init(name: String, credentials: Credentials, reconnect: Bool = false, location: SourceLocation) {
        self.name = name
        self.credentials = credentials
        self.reconnect = reconnect
        self.location = location
    }
}

/// One step, with where it was written.
public struct Step: Sendable {
    public var action: StepAction
    public var location: SourceLocation
    /// `name:` on the step, or a summary of what it does.
    public var title: String

    public init(_ action: StepAction, location: SourceLocation, title: String) {
        self.action = action
        self.location = location
        self.title = title
    }
}

public enum StepAction: Sendable {
    case open(OpenStep)
    case close(phone: String)
    case send(SendStep)
    case expect(ExpectStep)
    case expectNone(ExpectNoneStep)
    case expectClose(ExpectCloseStep)
    /// Simulated seconds.
    case advance(Double)
    case pause
    case resume
    case speed(Double)
    case charger(ChargerStep)
    case program(ProgramStep)
    case http(HTTPStep)
    case parallel([Step])
    case `repeat`(times: Int, steps: [Step])
    /// Wall-clock seconds: for what no event announces (documented as the last resort).
    case sleep(Double)
}

public struct OpenStep: Sendable {
    public var phone: String
    /// The gateway must refuse the socket with this close (a bad or expired token).
    public var refused: ClosePattern?
}

/// A close code and reason a step expects; nil parts match anything.
public struct ClosePattern: Sendable, Equatable {
    public var code: Int?
    public var reason: String?

    public func matches(code actual: Int?, reason actualReason: String?) -> Bool {
        (code == nil || code == actual) && (reason == nil || reason == actualReason)
    }

    public var summary: String { [code.map(String.init), reason.map { "\"\($0)\"" }].compactMap { $0 }.joined(separator: " ") }
}

public struct SendStep: Sendable {
    public var phone: String
    /// An action with its data, or a raw text frame (malformed input on purpose).
    public var action: String?
    public var data: JSONValue = .object([:])
    public var raw: String?
    /// The `response` (or `error`) it must get; nil: whatever comes is taken and not checked.
    public var expect: Pattern?
    /// Fields other than action and data (a `traceparent`, say), sent as written.
    public var extra: [String: JSONValue] = [:]
}

public struct ExpectStep: Sendable {
    public var phone: String
    /// One pattern (matched `count` or `at_least` times), or several that must arrive in order.
    public var patterns: [Pattern]
    public var inOrder = false
    /// Exactly this many of the first pattern, counted once the stack is idle.
    public var count: Int?
    public var atLeast: Int?
    /// Simulated seconds the stack has to deliver (a paused clock is moved through them).
    public var within: Double?
    /// Wall-clock seconds, past the scenario's timeout.
    public var timeout: Double?
}

public struct ExpectNoneStep: Sendable {
    public var phone: String
    public var pattern: Pattern
    /// Wall-clock seconds to keep watching once the stack is idle.
    public var within: Double = 0.2
}

public struct ExpectCloseStep: Sendable {
    public var phone: String
    public var close: ClosePattern
    /// Simulated or wall seconds, as for `expect`; wall when no clock governs it.
    public var within: Double?
    public var timeout: Double?
}

public struct ChargerStep: Sendable {
    public enum Command: String, Sendable, CaseIterable {
        case fault, clearFault = "clear_fault", unplug, reserve, cancelReservation = "cancel_reservation"
        case offline, online, powerLoss = "power_loss", powerRestore = "power_restore"
        case walkIn = "walk_in"

        /// Commands on a connector; the others are on a whole charger.
        public var needsConnector: Bool {
            [.fault, .clearFault, .unplug, .reserve, .cancelReservation, .walkIn].contains(self)
        }

        /// The charger-sim route segment.
        public var path: String { rawValue.replacingOccurrences(of: "_", with: "-") }
    }

    public var command: Command
    public var charger: String
    public var connector: Int?
    /// The body charger-sim takes (error_code, info, id_tag, reservation_id, expires_in, stay).
    public var body: [String: JSONValue] = [:]
    /// charger-sim must answer Accepted (default) or Rejected.
    public var accepted = true
}

public struct ProgramStep: Sendable {
    public enum Command: String, Sendable, CaseIterable { case stop, kill, restart, start }

    public var command: Command
    /// gateway, mock-backend, mock-redis or charger-sim.
    public var program: String
}

public struct HTTPStep: Sendable {
    public var method: String = "GET"
    public var url: String
    public var headers: [String: String] = [:]
    public var body: JSONValue?
    /// Bearer token of this phone's user.
    public var asPhone: String?
    public var status: Int? = 200
    public var expect: Pattern?
    /// Wall seconds to retry until the expectation holds (a recovery that takes a moment).
    public var eventually: Double?
}

/// The stack's programs by the names a scenario may use.
public enum ProgramName {
    public static let aliases = [
        "gateway": "gateway", "backend": "mock-backend", "mock-backend": "mock-backend", "redis": "mock-redis",
        "mock-redis": "mock-redis", "redis-server": "mock-redis", "charger-sim": "charger-sim", "cms": "charger-sim",
    ]
}
