import Foundation
import NIOConcurrencyHelpers
import Testing
import TestSupport

/// The client as a user and a CI job run it: `client up`, then `demo`, `send`, `watch` and
/// `login` against that stack, with their exit codes.
@Suite("client commands")
struct ClientCommandTests {
    static let secret = "dev-secret-change-me"

    @Test func upStartsTheStackForDemoSendWatchAndLogin() async throws {
        let up = try ClientProcess(["up", "--gateway-port", "0", "--backend-port", "0", "--cms-port", "0", "--redis-port", "0"])
        do {
            try await waitUntil(timeout: .seconds(60)) { up.output.contains("Ctrl-C stops everything.") }
            let gateway = try #require(up.output.firstMatch(of: #/gateway +(ws://127\.0\.0\.1:[0-9]+)/#)?.1).description
            let backend = try #require(up.output.firstMatch(of: #/backend +(http://127\.0\.0\.1:[0-9]+)/#)?.1).description
            let user = ["--gateway-url", gateway, "--jwt-secret", Self.secret]

            let demo = try await ClientProcess.run(["demo", "--user", "124", "--charger", "CP003"] + user)
            #expect(demo.status == 0, "\(demo.output)")
            #expect(demo.output.contains("demo passed"))

            // send: 0 on success, 1 on success: false, 2 when refused or unreachable.
            let listed = try await ClientProcess.run(["send", "list_chargers", "--user", "125"] + user)
            #expect(listed.status == 0, "\(listed.output)")
            #expect(listed.output.contains(#""success":true"#))
            let noSession = try await ClientProcess.run(["send", "stop_charging", "--user", "125"] + user)
            #expect(noSession.status == 1, "\(noSession.output)")
            #expect(noSession.output.contains("No active session"))
            let refused = try await ClientProcess.run(["send", "list_chargers", "--gateway-url", gateway, "--token", "not-a-token"])
            #expect(refused.status == 2)
            #expect(refused.output.contains("1008") && refused.output.contains("Invalid authentication token"))
            let closed = try ClosedPort()
            let unreachable = try await ClientProcess.run(["send", "list_chargers", "--user", "125", "--jwt-secret", Self.secret,
                                                          "--gateway-url", "ws://127.0.0.1:\(closed.port)"])
            #expect(unreachable.status == 2)

            // watch: 0 when the awaited event arrives, non-zero on timeout.
            let watcher = try ClientProcess(["watch", "--until", "session_started", "--timeout", "30", "--user", "126"] + user)
            try await waitUntil(timeout: .seconds(20)) { watcher.output.contains(#""type":"connected""#) }
            let started = try await ClientProcess.run(["send", "start_charging", "--data", #"{"charger_id":"CP004"}"#, "--user", "126"] + user)
            #expect(started.status == 0, "\(started.output)")
            #expect(await watcher.exitStatus() == 0, "\(watcher.output)")
            #expect(watcher.output.contains(#""event":"session_started""#))
            let quiet = try await ClientProcess.run(["watch", "--until", "session_completed", "--timeout", "1", "--user", "123"] + user)
            #expect(quiet.status == 1)
            let refusedWatch = try await ClientProcess.run(["watch", "--gateway-url", gateway, "--token", "not-a-token"])
            #expect(refusedWatch.status == 2 && refusedWatch.output.contains("1008 Invalid authentication token"), "\(refusedWatch.output)")

            // login: the token works with the gateway; wrong password is 1.
            let login = try await ClientProcess.run(["login", "--backend-url", backend])
            #expect(login.status == 0, "\(login.output)")
            let token = login.output.trimmingCharacters(in: .whitespacesAndNewlines)
            let withToken = try await ClientProcess.run(["send", "get_active_session", "--gateway-url", gateway, "--token", token])
            #expect(withToken.status == 1 && withToken.output.contains("No active session"), "\(withToken.output)")
            let badLogin = try await ClientProcess.run(["login", "--backend-url", backend, "--password", "wrong"])
            #expect(badLogin.status == 1)

            // A scenario file whose `stack:` is this running stack, its URLs from the environment:
            // the run starts no stack of its own. Two scenarios in one run (CI crashed on the
            // second one's logger once).
            let sim = try #require(up.output.firstMatch(of: #/charger-sim +(http://127\.0\.0\.1:[0-9]+)/#)?.1).description
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("running-stack-\(UUID()).yaml")
            try """
                name: against the running stack
                stack: { gateway: "${E2E_GATEWAY}", backend: "${E2E_BACKEND}", sim: "${E2E_SIM}", jwt_secret: \(Self.secret), reset: false }
                phones: { app: { user: 125 } }
                steps:
                  - open: app
                  - send: { phone: app, action: get_charger_status, data: { charger_id: CP001 } }
                    expect: { data: { success: true, charger_id: CP001 } }
                """.write(to: file, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: file) }
            let scenario = try ClientProcess(["scenario", "run", file.path, file.path],
                                             environment: ["E2E_GATEWAY": gateway, "E2E_BACKEND": backend, "E2E_SIM": sim])
            #expect(await scenario.exitStatus() == 0, "\(scenario.output)")
            #expect(scenario.output.contains("2 scenarios: 2 passed"), "\(scenario.output)")
            #expect(!scenario.output.contains("stack up in"))
            let unset = try await ClientProcess.run(["scenario", "run", file.path])
            #expect(unset.status == 2 && unset.output.contains("E2E_GATEWAY is not set in the environment"), "\(unset.output)")
        } catch {
            print(up.output)
            up.interrupt()
            _ = await up.exitStatus()
            throw error
        }
        // Ctrl-C stops everything and exits 0.
        up.interrupt()
        #expect(await up.exitStatus() == 0, "\(up.output)")
        #expect(!up.output.contains("exited with status"))
    }
}

/// The spec's reconnection practice, checked on the real programs: the gateway goes away under
/// a connected `client connect`, messages typed meanwhile wait, and once a gateway is back on
/// the same port they arrive once each, in order.
@Suite("client reconnection")
struct ClientReconnectionTests {
    @Test func queuedMessagesArriveOnceInOrderAfterTheGatewayIsBack() async throws {
        try await Stack.run { stack in
            let user = ["--gateway-url", stack.gatewayURL, "--user", "125", "--jwt-secret", Stack.jwtSecret]
            // One message every 200 ms: the answers come back in the order the messages arrived.
            let app = try ClientProcess(["connect", "--rate", "5", "--burst", "1"] + user)
            try await waitUntil(timeout: .seconds(20)) { app.output.contains(#""type":"connected""#) }

            await stack.gateway.stop()
            try await waitUntil(timeout: .seconds(20)) { app.output.contains("reconnecting in") }
            let queued = [
                #"{"action":"list_chargers","id":"q1"}"#,
                #"{"action":"get_active_session","id":"q2"}"#,
                #"{"action":"get_charger_status","data":{"charger_id":"CP002"},"id":"q3"}"#,
            ]
            for line in queued { app.type(line) }

            let gateway = try await ServerProcess(
                "gateway",
                arguments: ["--redis-url", "redis://127.0.0.1:\(stack.redis.port)", "--backend-url", "http://127.0.0.1:\(stack.backend.port)",
                            "--port", String(stack.gateway.port)],
                environment: ["JWT_SECRET": Stack.jwtSecret])
            defer { Task { await gateway.stop() } }
            try await waitUntil(timeout: .seconds(30)) { app.output.contains(#""id":"q3""#) }
            app.type("quit")
            app.endInput()
            #expect(await app.exitStatus() == 0, "\(app.output)")

            let ids = app.output.split(separator: "\n").compactMap { line -> String? in
                guard line.contains(#""type":"response""#) else { return nil }
                return line.firstMatch(of: #/"id":"(q[0-9])"/#).map { String($0.1) }
            }
            #expect(ids == ["q1", "q2", "q3"], "\(app.output)")
            #expect(app.output.components(separatedBy: #""type":"connected""#).count - 1 == 2)
        }
    }

    @Test func anInvalidTokenIsNotRetried() async throws {
        try await Stack.run { stack in
            let app = try ClientProcess(["connect", "--gateway-url", stack.gatewayURL, "--token", "not-a-token"])
            #expect(await app.exitStatus() == 2)
            #expect(app.output.contains("refused: 1008 Invalid authentication token"))
            #expect(!app.output.contains("reconnecting"))
        }
    }
}

/// `client` run as a child process, its stdout and stderr collected together.
final class ClientProcess: Sendable {
    private let process: Process
    private let input: FileHandle
    private let collected = NIOLockedValueBox((text: "", ended: false))

    init(_ arguments: [String], environment extra: [String: String] = [:]) throws {
        let process = Process()
        process.executableURL = ServerProcess.binDirectory.appendingPathComponent("client")
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for name in ["JWT_SECRET", "TOKEN", "GATEWAY_URL", "BACKEND_URL"] { environment[name] = nil }
        process.environment = environment.merging(extra) { $1 }
        let stdin = Pipe()
        process.standardInput = stdin
        input = stdin.fileHandleForWriting
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [collected] handle in
            let chunk = handle.availableData
            if chunk.isEmpty { handle.readabilityHandler = nil }
            collected.withLockedValue { collected in
                collected.text += String(decoding: chunk, as: UTF8.self)
                collected.ended = chunk.isEmpty
            }
        }
        try process.run()
        self.process = process
    }

    var output: String { collected.withLockedValue { $0.text } }

    func interrupt() { kill(process.processIdentifier, SIGINT) }

    /// Types a line on the process's standard input.
    func type(_ line: String) { input.write(Data((line + "\n").utf8)) }

    func endInput() { try? input.close() }

    /// Waits for the process to exit (at most a minute) and returns its status.
    func exitStatus() async -> Int32 {
        let deadline = ContinuousClock.now + .seconds(60)
        while process.isRunning, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        // What was written last may still be in the pipe: wait for its end.
        try? await waitUntil(timeout: .seconds(5)) { self.collected.withLockedValue { $0.ended } }
        return process.terminationStatus
    }

    static func run(_ arguments: [String]) async throws -> (status: Int32, output: String) {
        let process = try ClientProcess(arguments)
        let status = await process.exitStatus()
        return (status, process.output)
    }
}
