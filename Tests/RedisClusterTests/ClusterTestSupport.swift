import Logging
import NIOConcurrencyHelpers
import NIOCore
import RESP
import RedisCluster
import TestSupport

/// Every message a subscriber received, by channel, for counting deliveries.
final class Inbox: Sendable {
    private let received = NIOLockedValueBox<[String: [String]]>([:])

    func record(_ channel: ByteBuffer, _ payload: ByteBuffer) {
        received.withLockedValue { $0[String(buffer: channel), default: []].append(String(buffer: payload)) }
    }

    var all: [String: [String]] { received.withLockedValue { $0 } }
    var count: Int { received.withLockedValue { $0.values.reduce(0) { $0 + $1.count } } }

    func payloads(of channel: String) -> [String] { received.withLockedValue { $0[channel] ?? [] } }

    /// Waits until `condition` holds (checked on every delivery's time scale), or fails.
    func wait(for what: String, timeout: Duration = .seconds(10), until condition: @Sendable (Inbox) -> Bool) async throws {
        try await waitUntil(what, timeout: timeout) { condition(self) }
    }
}

/// The three channels of a user, as the gateway names them.
func userChannels(_ user: Int) -> [String] {
    ["notifications", "session_updates", "charger_updates"].map { "user:\(user):\($0)" }
}

