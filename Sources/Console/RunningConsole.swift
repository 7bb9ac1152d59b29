import Foundation

/// A console server that is listening: where, and how to stop it.
public final class RunningConsole: Sendable {
    public let port: Int
    /// The page's URL (`http://HOST:PORT/`).
    public let url: String
    private let task: Task<Void, any Error>

    init(port: Int, host: String, task: Task<Void, any Error>) {
        self.port = port
        self.url = "http://\(host):\(port)/"
        self.task = task
    }

    /// Stops listening and waits until the server is down.
    public func stop() async {
        task.cancel()
        _ = await task.result
    }
}

public struct ConsoleStartError: Error, CustomStringConvertible {
    public var description: String
}

extension ConsoleServer {
    /// Starts the server and returns once it listens (so port 0 has become a real port); throws
    /// when it cannot listen, e.g. the port is taken.
    public func start() async throws -> RunningConsole {
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let application = application(onRunning: { port in
            continuation.yield(port)
            continuation.finish()
        })
        let task = Task {
            defer { continuation.finish() }
            try await application.runService(gracefulShutdownSignals: [])
        }
        for await port in ports {
            return RunningConsole(port: port, host: configuration.host, task: task)
        }
        if case .failure(let error) = await task.result {
            throw ConsoleStartError(description: "the console could not listen on \(configuration.host):\(configuration.port): \(error)")
        }
        throw ConsoleStartError(description: "the console stopped before it listened")
    }
}
