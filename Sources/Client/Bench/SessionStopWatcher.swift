import Foundation
import Messages
import NIOConcurrencyHelpers
import RESP

/// Tells a benchmark worker when its user's session has closed, from the `session_stopped`
/// the backend publishes, as an app learns it: no polling of the backend meanwhile.
final class SessionStopWatcher: Sendable {
    private struct State {
        var arrived: [Int: Int] = [:]
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = NIOLockedValueBox(State())
    private let connection: NIOLockedValueBox<RESPConnection?> = NIOLockedValueBox(nil)

    static func start(redisURL: String) async throws -> SessionStopWatcher {
        let watcher = SessionStopWatcher()
        let connection = try await RESPConnection.connect(to: RedisURL(redisURL), onPush: { elements in
            // ["pmessage", pattern, channel, payload]
            guard elements.count == 4, elements[0].string == "pmessage", let channel = elements[2].string,
                  let payload = elements[3].string, payload.contains(#""event":"session_stopped""#),
                  let user = Int(channel.split(separator: ":").dropFirst().first ?? "")
            else { return }
            watcher.stopped(user: user)
        })
        connection.sendWithoutReply(["PSUBSCRIBE", "user:*:session_updates"])
        watcher.connection.withLockedValue { $0 = connection }
        // Subscribed before the first session, or its stop would be missed.
        let probe = try await RESPConnection.connect(to: RedisURL(redisURL))
        defer { Task { await probe.close() } }
        for _ in 0..<500 where try await probe.send(["PUBSUB", "NUMPAT"]).integer ?? 0 < 1 {
            try await Task.sleep(for: .milliseconds(10))
        }
        return watcher
    }

    private func stopped(user: Int) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiters.removeValue(forKey: user) { return waiter }
            state.arrived[user, default: 0] += 1
            return nil
        }
        waiter?.resume()
    }

    /// Returns once a `session_stopped` for `user` has arrived (one per call).
    func waitForStop(user: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLockedValue { state -> Bool in
                if let count = state.arrived[user], count > 0 {
                    state.arrived[user] = count - 1
                    return true
                }
                state.waiters[user] = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }

    func close() async { await connection.withLockedValue { $0 }?.close() }
}
