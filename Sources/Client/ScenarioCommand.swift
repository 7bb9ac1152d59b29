import ArgumentParser
import Foundation
import LocalStack
import Logging
import Scenarios
import ServiceRuntime

/// `client scenario run FILE|DIR...`: CI integration tests of the whole stack, one YAML file
/// each (the format is in `scenarios/README.md`).
struct ScenarioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scenario",
        abstract: "Run scenario files against the stack.",
        subcommands: [ScenarioRunCommand.self, ScenarioCheckCommand.self],
        defaultSubcommand: ScenarioRunCommand.self)
}

struct ScenarioRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenarios; exit 0 when all pass, 1 when a step failed, 2 when the stack could not start.",
        discussion: """
            Without --gateway-url, starts the stack itself on free ports (mock-redis, or --redis-server; \
            mock-backend; charger-sim with a paused clock; gateway), resets it before each scenario, and \
            stops it at the end. A file's `stack:` may name a running stack instead (its URLs, \
            ${NAME} from the environment). With --gateway-url and --backend-url, every scenario runs \
            against that running stack (--sim-url for charger-sim's steps; --no-reset for a backend \
            without /api/testing/reset).
            """)

    @Argument(help: "Scenario files, or folders of them (their .yaml and .yml files, by name).") var paths: [String]
    @Option(help: "Write a JUnit XML report here.") var junit: String?
    @Flag(help: "Print the results as JSON on stdout (progress goes to stderr).") var json = false
    @Option(name: .customLong("tag"), help: "Run only scenarios with this tag (repeatable).") var tags: [String] = []
    @Option(name: .customLong("gateway-url"), help: "A running stack's gateway (ws://...).") var gatewayURL: String?
    @Option(name: .customLong("backend-url"), help: "A running stack's backend.") var backendURL: String?
    @Option(name: .customLong("sim-url"), help: "A running stack's charger-sim.") var simURL: String?
    @Option(name: .customLong("redis-url"), help: "Redis for the stack this run starts (default: it starts mock-redis).") var redisURL: String?
    @Option(name: .customLong("redis-server"), help: "Start this redis-server instead of mock-redis.") var redisServer: String?
    @Option(name: .customLong("jwt-secret"), help: "Token secret (env JWT_SECRET; default the development secret).") var jwtSecret: String?
    @Option(name: .customLong("cms-secret"), help: "CMS secret (env CMS_SECRET; default the development secret).") var cmsSecret: String?
    @Flag(name: .customLong("no-reset"), help: "Do not reset the stack before each scenario.") var noReset = false
    @Flag(help: "Echo the stack's log to stderr as it runs.") var verbose = false
    @Option(name: .customLong("bin-dir"), help: "Where the programs are (default: next to this client).") var binDirectory: String?

    func run() async throws {
        let scenarios: [Scenario]
        do {
            scenarios = try ScenarioLoader.load(paths: paths).filter { tags.isEmpty || !Set($0.tags).isDisjoint(with: tags) }
        } catch {
            StandardError.write("\(error)\n")
            throw ExitCode(2)
        }
        let env = EnvironmentFallback()
        var configuration = StackConfiguration.anyPorts(binDirectory: binDirectory.map(URL.init(fileURLWithPath:)) ?? StackConfiguration.ownDirectory)
        configuration.jwtSecret = env.string(jwtSecret, "JWT_SECRET", default: configuration.jwtSecret)
        configuration.cmsSecret = env.string(cmsSecret, "CMS_SECRET", default: configuration.cmsSecret)
        (configuration.redisURL, configuration.redisServer) = (redisURL, redisServer)
        configuration.clockPaused = true

        let started = ContinuousClock.now
        let log = StackLog(echo: verbose)
        // --gateway-url points every scenario at one running stack; otherwise each file's
        // `stack:` says, and the local stack starts only if some scenario runs on it.
        var given: StackEndpoints?
        if let gatewayURL {
            guard let backendURL else {
                StandardError.write("--gateway-url needs --backend-url as well\n")
                throw ExitCode(2)
            }
            given = StackEndpoints(
                gateway: gatewayURL, backend: backendURL, cms: simURL, redis: redisURL,
                jwtSecret: configuration.jwtSecret, cmsSecret: configuration.cmsSecret)
        }
        var local: (stack: LocalStack, endpoints: StackEndpoints)?
        if given == nil, scenarios.contains(where: { $0.stack == .local }) {
            let stack = LocalStack(configuration: configuration, log: log)
            do {
                local = (stack, StackEndpoints(try await stack.start(), configuration: configuration))
            } catch {
                let recent = log.lines(since: .distantPast).suffix(20).map { "  [\($0.program)] \($0.text)" }
                StandardError.write((["the stack could not start: \(error)"] + recent).joined(separator: "\n") + "\n")
                await stack.stop()
                throw ExitCode(2)
            }
            StandardError.write("stack up in \(String(format: "%.2f", (ContinuousClock.now - started).seconds)) s\n")
        }

        let logger = Logger.client()
        var results: [ScenarioResult] = []
        for scenario in scenarios {
            let control: StackControl
            var reset = !noReset
            switch (given, scenario.stack, local) {
            case (let given?, _, _):
                control = StackControl(endpoints: given, local: nil)
            case (nil, .running(let running), _):
                control = StackControl(endpoints: StackEndpoints(
                    gateway: running.gateway, backend: running.backend, cms: running.sim, redis: running.redis,
                    jwtSecret: running.jwtSecret ?? configuration.jwtSecret, cmsSecret: running.cmsSecret ?? configuration.cmsSecret), local: nil)
                reset = reset && running.reset
            case (nil, .local, let local?):
                control = StackControl(endpoints: local.endpoints, local: local.stack)
            case (nil, .local, nil):
                preconditionFailure("the local stack starts when a scenario needs it")
            }
            var runner = ScenarioRunner(control: control, logger: logger, log: control.local == nil ? nil : log)
            runner.reset = reset
            StandardError.write("\(scenario.name)  (\(scenario.file))\n")
            let result = await runner.run(scenario) { step in StandardError.write(ScenarioReport.progressLine(step) + "\n") }
            if let error = result.error { StandardError.write("  FAIL \(error)\n") }
            for note in result.notes { StandardError.write("  note: \(note)\n") }
            StandardError.write("  \(result.passed ? "passed" : "FAILED") in \(String(format: "%.2f", result.seconds)) s\n")
            results.append(result)
        }
        await local?.stack.stop()

        StandardError.write(ScenarioReport.summary(results, wallSeconds: (ContinuousClock.now - started).seconds) + "\n")
        if let junit {
            do {
                try ScenarioReport.junit(results).write(toFile: junit, atomically: true, encoding: .utf8)
            } catch {
                StandardError.write("could not write \(junit): \(error)\n")
            }
        }
        if json { StandardOutput.write(ScenarioReport.json(results)) }
        if results.contains(where: { !$0.passed }) { throw ExitCode(1) }
    }
}

/// `client scenario check`: reads the files and reports the first error of each, runs nothing.
struct ScenarioCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Check scenario files without running them.")

    @Argument(help: "Scenario files, or folders of them.") var paths: [String]

    func run() throws {
        do {
            let scenarios = try ScenarioLoader.load(paths: paths)
            let steps = scenarios.reduce(0) { $0 + $1.steps.count }
            StandardOutput.write("\(scenarios.count) scenario\(scenarios.count == 1 ? "" : "s"), \(steps) steps: well formed\n")
        } catch {
            StandardError.write("\(error)\n")
            throw ExitCode(2)
        }
    }
}
