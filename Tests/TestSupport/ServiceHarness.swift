import Logging
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Runs services for the length of `body`, then shuts them down gracefully and waits for them.
public func withServices<T: Sendable>(
    _ services: [any Service], logger: Logger = Logger(label: "test"),
    _ body: @Sendable () async throws -> T
) async throws -> T {
    try await withServiceGroup(services, logger: logger) { _ in try await body() }
}

/// The same, handing `body` the group so that it can shut it down early (as SIGTERM would).
public func withServiceGroup<T: Sendable>(
    _ services: [any Service], logger: Logger = Logger(label: "test"),
    _ body: @Sendable (ServiceGroup) async throws -> T
) async throws -> T {
    let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        do {
            let result = try await body(group)
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

/// Hands a value (a bound port) from a server's start-up callback to whoever waits for it;
/// every reader gets the first value announced.
public final class Announcement<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [CheckedContinuation<Value, Never>] = []
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    public func announce(_ value: Value) {
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Value, Never>] in
            guard state.value == nil else { return [] }
            state.value = value
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    public var value: Value {
        get async {
            await withCheckedContinuation { continuation in
                let ready = state.withLockedValue { state -> Value? in
                    if let value = state.value { return value }
                    state.waiters.append(continuation)
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }
    }
}

/// Polls `condition` until it holds, for state that has no event to wait on.
public func waitUntil(_ what: String = "condition", timeout: Duration = .seconds(10), _ condition: @Sendable () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TestSupportError("\(what) not met within \(timeout)") }
        try await Task.sleep(for: .milliseconds(5))
    }
}
