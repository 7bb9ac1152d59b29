import ArgumentParser
import AppConnection
import Console
import Foundation
import Logging
import Messages
import NIOConcurrencyHelpers
import LocalStack
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
    @Flag(help: "charger-sim's clock starts paused: simulated time moves only through its /api/clock.") var paused = false
    @Flag(help: "Run `client demo` against the stack, then stop it.") var demo = false
    @Option(name: .customLong("console-port"), help: "The browser console's port (default 8090; 0: any free one; with --demo, only when given).") var consolePort: Int?
    @Flag(name: .customLong("no-console"), help: "Do not serve the browser console.") var noConsole = false
    @Option(name: .customLong("bin-dir"), help: "Where the programs are (default: next to this client).") var binDirectory: String?

    func run() async throws {
        let env = EnvironmentFallback()
        var configuration = StackConfiguration(binDirectory: binDirectory.map(URL.init(fileURLWithPath:)) ?? StackConfiguration.ownDirectory)
        configuration.host = host
        (configuration.gatewayPort, configuration.backendPort, configuration.cmsPort, configuration.redisPort) = (gatewayPort, backendPort, cmsPort, redisPort)
        (configuration.redisURL, configuration.backendURL, configuration.database) = (redisURL, backendURL, database)
        configuration.jwtSecret = env.string(jwtSecret, "JWT_SECRET", default: configuration.jwtSecret)
        configuration.cmsSecret = env.string(cmsSecret, "CMS_SECRET", default: configuration.cmsSecret)
        (configuration.meterInterval, configuration.speed, configuration.seed, configuration.walkIns) = (meterInterval, speed, seed, auto)
        configuration.clockPaused = paused
        let stack = LocalStack(configuration: configuration, log: StackLog())
        let secret = configuration.jwtSecret
        let cmsSecret = configuration.cmsSecret
        let console = NIOLockedValueBox<RunningConsole?>(nil)
        let consolePort = noConsole || (demo && self.consolePort == nil) ? nil : self.consolePort ?? 8090
        let host = host

        // Signals are watched from the start: a Ctrl-C while starting stops what has started.
        let outcome = await withTaskGroup(of: Int32.self) { group in
            group.addTask {
                for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { return 0 }
                return 0
            }
            group.addTask {
                do {
                    var urls = try await stack.start()
                    if let consolePort {
                        var settings = ConsoleConfiguration(gatewayURL: urls.gateway, backendURL: urls.backend, simURL: urls.cms, cmsSecret: cmsSecret)
                        (settings.host, settings.port) = (host, consolePort)
                        let running = try await ConsoleServer(configuration: settings, logger: Logger.client()).start()
                        console.withLockedValue { $0 = running }
                        urls.console = running.url
                    }
                    StandardOutput.write(urls.banner(secret: secret) + "\n")
                    return demo
                        ? await runDemo(gatewayURL: urls.gateway, secret: secret)
                        : await stack.supervisor.waitForAnyExit()
                } catch {
                    stack.supervisor.log.write("could not start the stack: \(error)", from: "client")
                    return 1
                }
            }
            let first = await group.next() ?? 1
            // No more starts; stopping the programs also ends the tasks that wait for them.
            group.cancelAll()
            await console.withLockedValue { $0 }?.stop()
            await stack.stop()
            return first
        }
        if outcome != 0 { throw ExitCode(outcome) }
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
}
