import Foundation
import GRDB
import HopTrace
import Logging
import Messages
import NIOConcurrencyHelpers
import RESP
import ServiceLifecycle

/// The transactional outbox: a message for Redis is written in the same transaction as the
/// change it announces, and `OutboxRelay` publishes and deletes it. A Redis outage or a crash
/// delays messages but loses none, and each user's messages keep their order. Delivery is at
/// least once: a crash between PUBLISH and DELETE publishes that message again on restart.
enum Outbox {
    static func enqueue<Message: Encodable>(_ message: Message, to channel: UserChannel, user userID: Int, in db: Database) throws {
        try db.run(
            sql: "INSERT INTO outbox (channel, payload, created_at, traceparent) VALUES (?, ?, ?, ?)",
            arguments: [
                channel.name(forUser: userID), JSONWriter.string(try JSONValue(encoding: message)), Timestamp.now(),
                TraceParent.current?.description,
            ])
    }
}

/// Publishes the outbox to Redis in order, woken by each commit and retrying with backoff
/// while Redis is down.
final class OutboxRelay: Service, Sendable {
    private let database: BackendDatabase
    private let redis: any RedisPublisher
    private let traces: TraceRecorder?
    private let logger: Logger
    private let wakes: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation
    private let redisDown = NIOLockedValueBox(false)
    private let backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(2))
    private let batchSize = 256

    init(database: BackendDatabase, redis: any RedisPublisher, traces: TraceRecorder? = nil, logger: Logger) {
        self.database = database
        self.redis = redis
        self.traces = traces
        self.logger = logger
        (wakes, wakeContinuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// False while publishing fails; `/health` reports it.
    var isRedisReachable: Bool { !redisDown.withLockedValue { $0 } }

    /// Call after committing a transaction that enqueued messages.
    func wake() { wakeContinuation.yield() }

    func run() async throws {
        // Whatever a previous run left behind goes first.
        wake()
        await cancelWhenGracefulShutdown {
            for await _ in self.wakes {
                await self.drain()
            }
        }
        wakeContinuation.finish()
        await redis.close()
    }

    /// A traced message's PUBLISH, with its receivers: none is the hop that went wrong when a
    /// push never arrives.
    private func recordPublish(_ channel: String, _ payload: String, _ traceparent: String?, reply: RESPValue, started: Date) {
        guard let traces, let trace = traceparent.flatMap({ TraceParent($0) }) else { return }
        let receivers: Int? = if case .integer(let count) = reply { Int(count) } else { nil }
        traces.record(
            "PUBLISH \(channel)", span: trace.child(), parentSpanID: trace.spanID, started: started, status: receivers,
            failed: receivers == 0, detail: receivers == 0 ? "no subscriber: the user has no socket on any gateway" : nil,
            digest: PayloadDigest.of(payload.utf8))
    }

    /// Publishes until the outbox is empty or the task is cancelled.
    private func drain() async {
        var attempt = 0
        while !Task.isCancelled {
            let batch: [(id: Int64, channel: String, payload: String, traceparent: String?)]
            do {
                batch = try database.read { [batchSize] db in
                    try Row.fetchAll(
                        db.cached("SELECT id, channel, payload, traceparent FROM outbox ORDER BY id LIMIT ?"), arguments: [batchSize]
                    ).map { ($0["id"], $0["channel"], $0["payload"], $0["traceparent"]) }
                }
            } catch {
                logger.error("could not read the outbox", metadata: ["error": "\(error)"])
                return
            }
            guard !batch.isEmpty else { return }

            // One pipelined write for the batch (one per shard of a cluster); the replies say
            // which went out. A channel's messages after one that failed wait with it, so that
            // each user's messages keep their order.
            var published: [Int64] = []
            var failure: (any Error)?
            let started = Date()
            do {
                let replies = try await redis.publish(batch.map { PublishedMessage(channel: $0.channel, payload: $0.payload) })
                var heldBack = Set<String>()
                for (entry, reply) in zip(batch, replies) {
                    if case .error(let message) = reply {
                        failure = failure ?? RESPClientError.server(message)
                        heldBack.insert(entry.channel)
                        continue
                    }
                    guard !heldBack.contains(entry.channel) else { continue }
                    published.append(entry.id)
                    recordPublish(entry.channel, entry.payload, entry.traceparent, reply: reply, started: started)
                }
            } catch {
                failure = error
            }
            if !published.isEmpty {
                do {
                    // Usually the whole batch, or its start: one cached statement.
                    let isPrefix = zip(published, batch).allSatisfy { $0 == $1.id }
                    try database.write { db in
                        if isPrefix {
                            try db.run(sql: "DELETE FROM outbox WHERE id <= ?", arguments: [published.last!])
                        } else {
                            try db.execute(sql: "DELETE FROM outbox WHERE id IN (\(published.map(String.init).joined(separator: ",")))")
                        }
                    }
                } catch {
                    logger.error("could not clear the outbox", metadata: ["error": "\(error)"])
                    return
                }
            }
            let wasDown = redisDown.withLockedValue { down in
                defer { down = failure != nil }
                return down
            }
            if let failure {
                if !wasDown {
                    logger.warning("Redis unreachable; messages wait in the outbox", metadata: ["error": "\(failure)"])
                }
                try? await Task.sleep(for: backoff.delay(attempt: attempt))
                attempt += 1
            } else {
                if wasDown { logger.info("Redis reachable again; the outbox is being published") }
                attempt = 0
            }
        }
    }
}
