import ArgumentParser
import Dispatch
import RESP

/// Publishes timestamped messages for the fan-out benchmarks.
enum BenchPublisher {
    /// A notification-shaped payload carrying `"sent":<monotonic ns>`, which receivers turn into
    /// a publish-to-receive latency.
    static func payload() -> String {
        #"{"type":"notification","title":"bench","message":"m","data":{"sent":\#(DispatchTime.now().uptimeNanoseconds)},"timestamp":"2025-01-29T12:00:00Z"}"#
    }

    /// What `--rate` and `--messages` must be (a paced run of 0/s would never end).
    static func validate(messages: Int, rate: Double) throws {
        guard messages >= 1 else { throw ValidationError("--messages must be 1 or more.") }
        guard rate > 0, rate.isFinite else { throw ValidationError("--rate must be a number of messages per second above 0.") }
    }

    /// PUBLISHes `count` messages to `channel(index)`, at `rate` per second or as fast as a
    /// window of 128 outstanding commands allows.
    static func publish(count: Int, rate: Double?, on redis: RESPConnection, channel: @escaping @Sendable (Int) -> String) async throws {
        try await paced(count: count, rate: rate) { index in
            try await redis.send(["PUBLISH", channel(index), payload()])
        }
    }

    /// The same through a publisher (a cluster's, SPUBLISH to each channel's shard): a reply
    /// that is an error stops the run. Unpaced, messages go in batches of 32 (one pipeline per
    /// shard each), as a backend's outbox sends them.
    static func publish(count: Int, rate: Double?, to publisher: any RedisPublisher, channel: @escaping @Sendable (Int) -> String) async throws {
        let batch = rate == nil ? 32 : 1
        try await paced(count: (count + batch - 1) / batch, rate: rate) { first in
            let messages = (first * batch..<min(count, (first + 1) * batch)).map { PublishedMessage(channel: channel($0), payload: payload()) }
            let replies = try await publisher.publish(messages)
            if let failed = replies.first(where: { if case .error = $0 { true } else { false } }), case .error(let message) = failed {
                throw RESPClientError.server(message)
            }
        }
    }

    /// Runs `send(index)` `count` times, due at `index / rate` seconds (or at once), with at
    /// most 128 outstanding.
    private static func paced(count: Int, rate: Double?, _ send: @escaping @Sendable (Int) async throws -> Void) async throws {
        let started = DispatchTime.now().uptimeNanoseconds
        try await withThrowingTaskGroup(of: Void.self) { group in
            var outstanding = 0
            for index in 0..<count {
                if let rate {
                    let due = started + UInt64(Double(index) / rate * 1e9)
                    let now = DispatchTime.now().uptimeNanoseconds
                    if due > now + 1_000_000 { try await Task.sleep(for: .nanoseconds(Int64(due - now))) }
                }
                group.addTask { try await send(index) }
                outstanding += 1
                if outstanding >= 128 {
                    try await group.next()
                    outstanding -= 1
                }
            }
            try await group.waitForAll()
        }
    }
}
