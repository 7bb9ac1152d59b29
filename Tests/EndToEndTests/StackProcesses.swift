import Foundation
import NIOConcurrencyHelpers
import TestSupport

/// One of the project's executables, started as a user would start it: `--port 0`, and the
/// port read back from its "listening on" log line.
final class ServerProcess: Sendable {
    let name: String
    let port: Int
    private let process: Process
    private let log: NIOLockedValueBox<String>

    static var binDirectory: URL { BuiltProducts.directory }

    init(_ name: String, arguments: [String], environment: [String: String] = [:]) async throws {
        self.name = name
        let executable = try BuiltProducts.executable(name)
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--host", "127.0.0.1", "--port", "0"] + arguments
        var env = ProcessInfo.processInfo.environment
        env["LOG_LEVEL"] = "info"
        env.merge(environment) { _, new in new }
        process.environment = env
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        let log = NIOLockedValueBox("")
        let announced = Announcement<Int?>()
        stderr.fileHandleForReading.readabilityHandler = { handle in
            let chunk = handle.availableData
            guard !chunk.isEmpty else {
                handle.readabilityHandler = nil
                announced.announce(nil)
                return
            }
            let text = log.withLockedValue { log in
                log += String(decoding: chunk, as: UTF8.self)
                return log
            }
            if let port = Self.announcedPort(in: text) { announced.announce(port) }
        }
        try process.run()
        self.process = process
        self.log = log
        // An Announcement cannot be cancelled, so the deadline announces too.
        let deadline = Task {
            try? await Task.sleep(for: .seconds(30))
            announced.announce(nil)
        }
        let port = await announced.value
        deadline.cancel()
        guard let port else {
            kill(process.processIdentifier, SIGKILL)
            throw TestSupportError("\(name) did not log its port within 30 s, or exited:\n\(log.withLockedValue { $0 })")
        }
        self.port = port
    }

    static func announcedPort(in log: String) -> Int? {
        guard let range = log.range(of: #"listening on [a-z]+://[^ \n]+:([0-9]+)"#, options: .regularExpression) else { return nil }
        return Int(log[range].split(separator: ":").last!)
    }

    var output: String { log.withLockedValue { $0 } }

    func stop() async { await killAndReap(process.processIdentifier) }

    /// SIGTERM, as an orchestrator stops an instance (the gateway drains).
    func terminate() { kill(process.processIdentifier, SIGTERM) }

    var isRunning: Bool { process.isRunning }

    deinit { kill(process.processIdentifier, SIGKILL) }
}

/// mock-redis, mock-backend, charger-sim and gateway, wired together on ports from the OS.
struct Stack: Sendable {
    static let jwtSecret = "e2e-secret"
    let redis: ServerProcess
    let backend: ServerProcess
    let simulator: ServerProcess
    let gateway: ServerProcess
    let directory: URL

    var gatewayURL: String { "ws://127.0.0.1:\(gateway.port)" }

    static func run(_ body: @Sendable (Stack) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let secrets = ["JWT_SECRET": jwtSecret, "CMS_SECRET": "e2e-cms-secret"]
        var started: [ServerProcess] = []
        do {
            let redis = try await ServerProcess("mock-redis", arguments: [])
            started.append(redis)
            let backend = try await ServerProcess(
                "mock-backend",
                arguments: ["--redis-url", "redis://127.0.0.1:\(redis.port)", "--database", directory.appendingPathComponent("db.sqlite").path],
                environment: secrets)
            started.append(backend)
            let simulator = try await ServerProcess(
                "charger-sim",
                arguments: ["--backend-url", "http://127.0.0.1:\(backend.port)", "--meter-interval", "0.2", "--speed", "60", "--seed", "1"],
                environment: secrets)
            started.append(simulator)
            let gateway = try await ServerProcess(
                "gateway",
                arguments: ["--redis-url", "redis://127.0.0.1:\(redis.port)", "--backend-url", "http://127.0.0.1:\(backend.port)"],
                environment: secrets)
            started.append(gateway)
            try await body(Stack(redis: redis, backend: backend, simulator: simulator, gateway: gateway, directory: directory))
        } catch {
            for process in started { print("---- \(process.name) log ----\n\(process.output)") }
            for process in started { await process.stop() }
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        for process in started { await process.stop() }
        try? FileManager.default.removeItem(at: directory)
    }
}
