import Foundation
import NIOConcurrencyHelpers

/// One of the stack's programs run as a child process: its stderr goes to the shared log with
/// its name in front, and the port it announces ("listening on SCHEME://HOST:PORT") is read
/// back, so `--port 0` works.
final class ChildProgram: Sendable {
    let name: String
    private let process: Process
    private let state = NIOLockedValueBox(State())

    private struct State {
        var port: Int?
        var exitStatus: Int32?
        var waiters: [CheckedContinuation<Void, Never>] = []
        var partialLine = ""
    }

    init(
        name: String, executable: URL, arguments: [String], environment: [String: String], log: StackLog,
        onExit: @escaping @Sendable (String) -> Void
    ) throws {
        guard FileManager.default.isExecutableFile(atPath: executable.path) else {
            throw ClientError.step("\(executable.path) is missing: run `swift build` first")
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
        try process.run()
    }

    var port: Int? { state.withLockedValue { $0.port } }
    var processID: Int32 { process.processIdentifier }
    var exitStatus: Int32? { state.withLockedValue { $0.exitStatus } }

    /// The port the program announced, once it is listening.
    func announcedPort(timeout: Duration) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let port { return port }
            if let status = exitStatus {
                throw ClientError.step("\(name) exited with status \(status) before listening (its log is above; a port in use? pick another, or 0)")
            }
            guard ContinuousClock.now < deadline else { throw ClientError.step("\(name) did not start listening within \(timeout)") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Returns once the process has exited.
    func waitForExit() async {
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
    func stop(grace: Duration = .seconds(10)) async {
        guard exitStatus == nil else { return }
        kill(process.processIdentifier, SIGTERM)
        let exited = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitForExit(); return true }
            group.addTask { try? await Task.sleep(for: grace); return false }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
        if !exited {
            kill(process.processIdentifier, SIGKILL)
            await waitForExit()
        }
    }

    static func announcedPort(in line: String) -> Int? {
        guard let range = line.range(of: #"listening on [a-z]+://[^ ]+:([0-9]+)"#, options: .regularExpression) else { return nil }
        return line[range].split(separator: ":").last.flatMap { Int($0) }
    }
}

/// The stack's one log stream: each program's lines with its name in front, coloured on a
/// terminal, written whole so that programs never interleave within a line.
final class StackLog: Sendable {
    private let lock = NIOLock()
    private let colour = isatty(STDERR_FILENO) == 1
    private static let colours = ["mock-redis": "31", "mock-backend": "32", "charger-sim": "33", "gateway": "36", "client": "35"]

    func write(_ line: String, from name: String) {
        let prefix = colour ? "\u{1B}[\(Self.colours[name] ?? "0")m[\(name)]\u{1B}[0m " : "[\(name)] "
        let bytes = Array((prefix + line + "\n").utf8)
        lock.withLock {
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }
}
