import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import Messages
import RESP
import ServiceRuntime
import UnixSignals

/// `client up`: the whole stack on this machine. Starts mock-redis, mock-backend, charger-sim
/// and gateway as child processes, in that order, each once the one before it is healthy; one
/// log stream with every program's name in front; the URLs to use; and a clean stop of all of
/// them on Ctrl-C, on SIGTERM, or as soon as one of them dies.
struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Run mock-redis, mock-backend, charger-sim and gateway; stop them all on Ctrl-C.",
        discussion: """
            With --demo, runs the spec's start, meter and stop flows once the stack is up, then stops it: \
            the exit status is the demo's. Ports may be 0 (chosen by the OS).
            """)

    @Option(help: "Address the programs listen on.") var host = "127.0.0.1"
    @Option(name: .customLong("gateway-port")) var gatewayPort = 8080
    @Option(name: .customLong("backend-port")) var backendPort = 8000
    @Option(name: .customLong("cms-port"), help: "charger-sim's port.") var cmsPort = 9000
    @Option(name: .customLong("redis-port")) var redisPort = 6379
    @Option(name: .customLong("redis-url"), help: "Use this Redis instead of starting mock-redis.") var redisURL: String?
    @Option(name: .customLong("backend-url"), help: "Use this backend instead of starting mock-backend and charger-sim.") var backendURL: String?
    @Option(help: "mock-backend's SQLite file (default: a new one, removed on exit).") var database: String?
    @Option(name: .customLong("jwt-secret"), help: "Token secret (env JWT_SECRET; default a development secret).") var jwtSecret: String?
    @Option(name: .customLong("cms-secret"), help: "CMS secret (env CMS_SECRET; default a development secret).") var cmsSecret: String?
    @Option(name: .customLong("meter-interval"), help: "charger-sim's wall-clock seconds between meter values.") var meterInterval = 1.0
    @Option(help: "charger-sim's simulated seconds per wall-clock second.") var speed = 60.0
    @Option(help: "charger-sim's seed.") var seed: UInt64 = 42
    @Flag(help: "charger-sim's walk-in drivers start and stop sessions by themselves.") var auto = false
    @Flag(help: "Run `client demo` against the stack, then stop it.") var demo = false
    @Option(name: .customLong("bin-dir"), help: "Where the programs are (default: next to this client).") var binDirectory: String?

    func run() async throws {
        let env = EnvironmentFallback()
        let secrets = [
            "JWT_SECRET": env.string(jwtSecret, "JWT_SECRET", default: "dev-secret-change-me"),
            "CMS_SECRET": env.string(cmsSecret, "CMS_SECRET", default: "dev-cms-secret"),
        ]
        let log = StackLog()
        let stack = StackSupervisor(binDirectory: binDirectory.map(URL.init(fileURLWithPath:)) ?? Self.ownDirectory, log: log)
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("ev-stack-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        // Signals are watched from the start: a Ctrl-C while starting stops what has started.
        let outcome = await withTaskGroup(of: Int32.self) { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { return 0 }
                return 0
            }
            group.addTask {
                do {
                    let urls = try await start(stack, secrets: secrets, scratch: scratch)
                    StandardOutput.write(urls.banner(secret: secrets["JWT_SECRET"]!) + "\n")
                    return demo
                        ? await runDemo(gatewayURL: urls.gateway, secret: secrets["JWT_SECRET"]!)
                        : await stack.waitForAnyExit()
                } catch {
                    log.write("could not start the stack: \(error)", from: "client")
                    return 1
                }
            }
            let first = await group.next() ?? 1
            // No more starts; stopping the programs also ends the tasks that wait for them.
            group.cancelAll()
            await stack.stopAll()
            return first
        }
        if outcome != 0 { throw ExitCode(outcome) }
    }

    /// Starts each program once the one it depends on is healthy; returns where they listen.
    private func start(_ stack: StackSupervisor, secrets: [String: String], scratch: URL) async throws -> StackURLs {
        var urls = StackURLs()
        if let redisURL {
            urls.redis = redisURL
        } else {
            let port = try await stack.launch("mock-redis", ["--host", host, "--port", String(redisPort)], environment: [:])
            urls.redis = "redis://\(host):\(port)"
            try await StackHealth.redis(urls.redis)
        }
        if let backendURL {
            urls.backend = backendURL
        } else {
            let backendPort = try await stack.launch(
                "mock-backend",
                ["--host", host, "--port", String(backendPort), "--redis-url", urls.redis,
                 "--database", database ?? scratch.appendingPathComponent("mock-backend.sqlite").path],
                environment: secrets)
            urls.backend = "http://\(host):\(backendPort)"
            try await StackHealth.http(urls.backend + "/health")
            let cmsPort = try await stack.launch(
                "charger-sim",
                ["--host", host, "--port", String(cmsPort), "--backend-url", urls.backend,
                 "--meter-interval", String(meterInterval), "--speed", String(speed), "--seed", String(seed)] + (auto ? ["--auto"] : []),
                environment: secrets)
            urls.cms = "http://\(host):\(cmsPort)"
            try await StackHealth.http(urls.cms! + "/health")
        }
        let gatewayPort = try await stack.launch(
            "gateway", ["--host", host, "--port", String(gatewayPort), "--redis-url", urls.redis, "--backend-url", urls.backend],
            environment: secrets)
        urls.gateway = "ws://\(host):\(gatewayPort)"
        try await StackHealth.http("http://\(host):\(gatewayPort)/health")
        if backendURL == nil {
            // mock-backend finds charger-sim by its announcement (the CMS hop, see the README).
            try await StackHealth.cmsAnnounced(backend: urls.backend, cms: urls.cms!)
        }
        return urls
    }

    private func runDemo(gatewayURL: String, secret: String) async -> Int32 {
        do {
            let token = try DevelopmentToken.mint(userID: 123, secret: secret)
            let connection = GatewayConnection(gatewayURL: gatewayURL, token: token, logger: Logger.client())
            try await withTimeout(seconds: 60) {
                _ = try await connection.run { reader, writer in
                    try await DemoFlow(reader: reader, writer: writer).run(charger: "CP001", connector: 1, meterValues: 2)
                }
            }
            StandardOutput.write("demo passed: start, meter values and stop crossed every hop\n")
            return 0
        } catch {
            FileHandle.standardError.write(Data("demo failed: \(error)\n".utf8))
            return 1
        }
    }

    /// The folder of the running executable, where `swift build` puts its siblings.
    static var ownDirectory: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    }
}

/// Where the stack listens.
struct StackURLs {
    var redis = ""
    var backend = ""
    var cms: String?
    var gateway = ""

    func banner(secret: String) -> String {
        """

        stack up:
          gateway      \(gateway)/?token=JWT   (health: \(gateway.replacingOccurrences(of: "ws://", with: "http://"))/health)
          backend      \(backend)
          charger-sim  \(cms ?? "(not started: external backend)")
          redis        \(redis)
        try it:
          JWT_SECRET=\(secret) client connect --gateway-url \(gateway) --user 123
        Ctrl-C stops everything.

        """
    }
}

/// The child processes, stopped together.
actor StackSupervisor {
    let binDirectory: URL
    let log: StackLog
    private var programs: [ChildProgram] = []
    private var stopping = false
    private let exits: AsyncStream<String>
    private let exitContinuation: AsyncStream<String>.Continuation

    init(binDirectory: URL, log: StackLog) {
        self.binDirectory = binDirectory
        self.log = log
        (exits, exitContinuation) = AsyncStream.makeStream()
    }

    /// Starts a program and returns the port it announced.
    func launch(_ name: String, _ arguments: [String], environment: [String: String]) async throws -> Int {
        // A stop that began while the previous program was starting: start nothing more.
        guard !stopping, !Task.isCancelled else { throw CancellationError() }
        let program = try ChildProgram(
            name: name, executable: binDirectory.appendingPathComponent(name), arguments: arguments,
            environment: environment.merging(["LOG_LEVEL": ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info"]) { $1 }, log: log,
            onExit: { [exitContinuation] in exitContinuation.yield($0) })
        programs.append(program)
        return try await program.announcedPort(timeout: .seconds(60))
    }

    /// 1 once any program exits while the stack runs (it died on its own).
    func waitForAnyExit() async -> Int32 {
        for await name in exits where !stopping {
            let status = programs.first { $0.name == name }?.exitStatus ?? -1
            log.write("\(name) exited with status \(status); stopping the stack", from: "client")
            return 1
        }
        return 1
    }

    /// Stops the programs in reverse order of start.
    func stopAll() async {
        stopping = true
        exitContinuation.finish()
        // Programs launched while this one waits are stopped too.
        while let program = programs.popLast() {
            await program.stop()
        }
    }
}

/// Health checks that say a program is ready for the next one.
enum StackHealth {
    static func http(_ url: String, timeout: Duration = .seconds(30)) async throws {
        try await poll("\(url) to answer 200", timeout: timeout) {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(2))
            _ = try await response.body.collect(upTo: 1 << 20)
            return response.status == .ok
        }
    }

    static func redis(_ url: String, timeout: Duration = .seconds(30)) async throws {
        try await poll("\(url) to answer PING", timeout: timeout) {
            let connection = try await RESPConnection.connect(to: RedisURL(url))
            defer { Task { await connection.close() } }
            return try await connection.send(["PING"]).string == "PONG"
        }
    }

    /// mock-backend reaches charger-sim once it has taken its announcement; `/health` says
    /// which CMS it would call.
    static func cmsAnnounced(backend: String, cms: String, timeout: Duration = .seconds(30)) async throws {
        try await poll("mock-backend to learn charger-sim's URL", timeout: timeout) {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: backend + "/health"), timeout: .seconds(2))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (try? JSONCoding.decode(JSONValue.self, from: Data(body.readableBytesView)))?["cms"]?.stringValue == cms
        }
    }

    private static func poll(_ what: String, timeout: Duration, _ check: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await check()) == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw ClientError.step("timed out waiting for \(what)")
    }
}
