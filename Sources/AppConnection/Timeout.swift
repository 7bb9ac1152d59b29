import Foundation

/// Runs `operation`, failing with `ClientError.timeout` after `seconds`.
public func withTimeout<T: Sendable>(seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            throw ClientError.timeout(seconds)
        }
        defer { group.cancelAll() }
        return try await group.next()!
    }
}
