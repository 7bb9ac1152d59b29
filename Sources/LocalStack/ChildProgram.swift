import Foundation
import NIOConcurrencyHelpers

/// One of the stack's programs run as a child process: its stderr goes to the shared log with
/// its name in front, and the port it announces ("listening on SCHEME://HOST:PORT") is read
/// back, so `--port 0` works.
public final class ChildProgram: Sendable {
    public let name: String
    private let process: Process
    private let state = NIOLockedValueBox(State())

    private struct State {
        var port: Int?
        var exitStatus: Int32?
        var waiters: [CheckedContinuation<Void, Never>] = []
        var partialLine = ""
    }

    public init(
        name: String, executable: URL, arguments: [String], environment: [String: String], log: StackLog,
        knownPort: Int? = nil, onExit: @escaping @Sendable (String) -> Void
    ) throws {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw StackError("\(executable.path) is missing: run `swift build` first")
        }
        self.name = name
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = FileHandle.nullDevice
        let stderr = Pipe()
        process.standardError = stderr
        self.process = process
        // A program that does not announce its port (redis-server) was given one.
        state.withLockedValue { $0.port = knownPort }

        stderr.fileHandleForReading.readabilityHandler = { [state] handle in
            let chunk = handle.availableData
            let lines: [String] = state.withLockedValue { state in
                guard !chunk.isEmpty else {
                    defer { state.partialLine = "" }
                    return state.partialLine.isEmpty ? [] : [state.partialLine]
                }
                var text = state.partialLine + String(decoding: chunk, as: UTF8.self)
                var complete: [String] = []
                while let newline = text.firstIndex(of: "\n") {
                    complete.append(String(text[..<newline]))
                    text = String(text[text.index(after: newline)...])
                }
                state.partialLine = text
                for line in complete where state.port == nil {
                    state.port = Self.announcedPort(in: line)
                }
                return complete
            }
            if chunk.isEmpty { handle.readabilityHandler = nil }
            for line in lines { log.write(line, from: name) }
        }
        process.terminationHandler = { [state] process in
            let waiters = state.withLockedValue { state in
                state.exitStatus = process.terminationStatus
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
            onExit(name)
        }
        try Self.runWithOpenSignals(process)
    }

    /// Starts `process` from a thread that blocks no signal. A child inherits the signal mask of
    /// the thread that spawns it, and the threads of Swift's concurrency pool block most
    /// signals: a redis-server started from one of them would never see the SIGTERM of `stop`.
    private static func runWithOpenSignals(_ process: Process) throws {
        let failure = NIOLockedValueBox<Error?>(nil)
        let started = DispatchSemaphore(value: 0)
        let thread = Thread {
            var open = sigset_t()
            sigemptyset(&open)
            pthread_sigmask(SIG_SETMASK, &open, nil)
            do { try process.run() } catch { failure.withLockedValue { $0 = error } }
            started.signal()
        }
        thread.start()
        started.wait()
        if let error = failure.withLockedValue({ $0 }) { throw error }
    }

    public var port: Int? { state.withLockedValue { $0.port } }
    public var processID: Int32 { process.processIdentifier }
    public var exitStatus: Int32? { state.withLockedValue { $0.exitStatus } }

    /// The port the program announced, once it is listening.
    public func announcedPort(timeout: Duration) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let port { return port }
            if let status = exitStatus {
                throw StackError("\(name) exited with status \(status) before listening (its log is above; a port in use? pick another, or 0)")
            }
            guard ContinuousClock.now < deadline else { throw StackError("\(name) did not start listening within \(timeout)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Returns once the process has exited.
    public func waitForExit() async {
        await withCheckedContinuation { continuation in
            let done = state.withLockedValue { state in
                if state.exitStatus != nil { return true }
                state.waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited after `grace`.
    public func stop(grace: Duration = .seconds(10)) async {
        guard exitStatus == nil else { return }
        Foundation.kill(process.processIdentifier, SIGTERM)
        let exited = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitForExit(); return true }
            group.addTask { try? await Task.sleep(for: grace); return false }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
        if !exited {
            Foundation.kill(process.processIdentifier, SIGKILL)
            await waitForExit()
        }
    }

    /// SIGKILL: no clean shutdown, as when a machine or a container dies.
    public func kill() async {
        guard exitStatus == nil else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        await waitForExit()
    }

    public static func announcedPort(in line: String) -> Int? {
        guard let range = line.range(of: #"listening on [a-z]+://[^ ]+:([0-9]+)"#, options: .regularExpression) else { return nil }
        return line[range].split(separator: ":").last.flatMap { Int($0) }
    }
}
