import Foundation

/// The stack's child processes: started in order, stopped together, and each one stopped,
/// killed or started again on its own port when a scenario asks for it.
public actor StackSupervisor {
    public nonisolated let binDirectory: URL
    public nonisolated let log: StackLog
    private var launches: [String: Launch] = [:]
    private var order: [String] = []
    private var stopping = false
    /// Programs that a caller stopped on purpose: their exit is not a death of the stack.
    private var stoppedOnPurpose: Set<String> = []
    private let exits: AsyncStream<String>
    private let exitContinuation: AsyncStream<String>.Continuation

    /// How a program was started, to start it again the same way.
    private struct Launch {
        var arguments: [String]
        var environment: [String: String]
        var executable: URL?
        var knownPort: Int?
        var port: Int
        var program: ChildProgram
    }

    public init(binDirectory: URL, log: StackLog) {
        self.binDirectory = binDirectory
        self.log = log
        (exits, exitContinuation) = AsyncStream.makeStream()
    }

    /// Starts a program and returns the port it announced.
    /// - Parameter executable: a path; nil: `name` in the bin folder.
    /// - Parameter knownPort: the port, for a program that does not announce it.
    public func launch(
        _ name: String, _ arguments: [String], environment: [String: String], executable: URL? = nil, knownPort: Int? = nil
    ) async throws -> Int {
        // A stop that began while the previous program was starting: start nothing more.
        guard !stopping, !Task.isCancelled else { throw CancellationError() }
        let program = try ChildProgram(
            name: name, executable: executable ?? binDirectory.appendingPathComponent(name), arguments: arguments,
            environment: environment.merging(["LOG_LEVEL": ProcessInfo.processInfo.environment["LOG_LEVEL"] ?? "info"]) { $1 }, log: log,
            knownPort: knownPort, onExit: { [exitContinuation] in exitContinuation.yield($0) })
        if launches[name] == nil { order.append(name) }
        launches[name] = Launch(arguments: arguments, environment: environment, executable: executable, knownPort: knownPort, port: 0, program: program)
        let port = try await program.announcedPort(timeout: .seconds(60))
        launches[name]?.port = port
        return port
    }

    public var programs: [String] { order }

    public func isRunning(_ name: String) -> Bool {
        launches[name].map { $0.program.exitStatus == nil } ?? false
    }

    /// SIGTERM (the program's own clean shutdown), SIGKILL after `grace`.
    public func stop(_ name: String, grace: Duration = .seconds(10)) async throws {
        let launch = try known(name)
        stoppedOnPurpose.insert(name)
        await launch.program.stop(grace: grace)
    }

    /// SIGKILL: the program gets no chance to finish anything.
    public func kill(_ name: String) async throws {
        let launch = try known(name)
        stoppedOnPurpose.insert(name)
        await launch.program.kill()
    }

    /// Starts a stopped program again with its arguments, on the port it had, so that its
    /// peers find it where they left it. Stops it first if it still runs.
    @discardableResult
    public func restart(_ name: String) async throws -> Int {
        let launch = try known(name)
        if launch.program.exitStatus == nil { try await stop(name) }
        var arguments = launch.arguments
        if let flag = arguments.firstIndex(of: "--port"), flag + 1 < arguments.count {
            arguments[flag + 1] = String(launch.port)
        } else {
            arguments += ["--port", String(launch.port)]
        }
        stoppedOnPurpose.remove(name)
        // A port just freed can take a moment to bind again; a few tries cover it.
        var attempt = 0
        while true {
            do {
                return try await self.launch(
                    name, arguments, environment: launch.environment, executable: launch.executable, knownPort: launch.knownPort)
            } catch let error as StackError where attempt < 20 {
                attempt += 1
                log.write("start again failed (\(error)); retrying", from: "client")
                try await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// 1 once any program exits while the stack runs, unless it was stopped on purpose.
    public func waitForAnyExit() async -> Int32 {
        for await name in exits where !stopping && !stoppedOnPurpose.contains(name) {
            let status = launches[name]?.program.exitStatus ?? -1
            log.write("\(name) exited with status \(status); stopping the stack", from: "client")
            return 1
        }
        return 1
    }

    /// Stops the programs in reverse order of start.
    public func stopAll() async {
        stopping = true
        exitContinuation.finish()
        for name in order.reversed() {
            await launches[name]?.program.stop()
        }
    }

    private func known(_ name: String) throws -> Launch {
        guard let launch = launches[name] else {
            throw StackError("\(name) is not a program of this stack (it has: \(order.joined(separator: ", ")))")
        }
        return launch
    }
}
