import Logging
import ServiceLifecycle

/// Runs services for the length of `body`, then shuts them down gracefully and waits for them.
public func withServices<T: Sendable>(
    _ services: [any Service], logger: Logger = Logger(label: "test"),
    _ body: @Sendable () async throws -> T
) async throws -> T {
    let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let result = try await body()
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        } catch {
            await group.triggerGracefulShutdown()
            try? await tasks.waitForAll()
            throw error
        }
    }
}

/// Hands a value (a bound port) from a server's start-up callback to the test that waits for it.
public final class Announcement<Value: Sendable>: Sendable {
    private let stream: AsyncStream<Value>
    private let continuation: AsyncStream<Value>.Continuation

    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: Value.self, bufferingPolicy: .bufferingNewest(1))
    }

    public func announce(_ value: Value) { continuation.yield(value) }

    public var value: Value {
        get async throws {
            for await value in stream { return value }
            throw CancellationError()
        }
    }
}
