import Foundation
import GRDB
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
            sql: "INSERT INTO outbox (channel, payload, created_at) VALUES (?, ?, ?)",
            arguments: [channel.name(forUser: userID), JSONWriter.string(try JSONValue(encoding: message)), Timestamp.now()])
    }
}

/// Publishes the outbox to Redis in order, woken by each commit and retrying with backoff
/// while Redis is down.
final class OutboxRelay: Service, Sendable {
    private let database: BackendDatabase
    private let redis: RedisClient
    private let logger: Logger
    private let wakes: AsyncStream<Void>
    private let wakeContinuation: AsyncStream<Void>.Continuation
    private let redisDown = NIOLockedValueBox(false)
    private let backoff = Backoff(initial: .milliseconds(50), maximum: .seconds(2))
    private let batchSize = 256

    init(database: BackendDatabase, redis: RedisClient, logger: Logger) {
        self.database = database
        self.redis = redis
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

    /// Publishes until the outbox is empty or the task is cancelled.
    private func drain() async {
        var attempt = 0
        while !Task.isCancelled {
            let batch: [(id: Int64, channel: String, payload: String)]
            do {
                batch = try database.read { [batchSize] db in
                    try Row.fetchAll(db.cached("SELECT id, channel, payload FROM outbox ORDER BY id LIMIT ?"), arguments: [batchSize])
                        .map { ($0["id"], $0["channel"], $0["payload"]) }
                }
            } catch {
                logger.error("could not read the outbox", metadata: ["error": "\(error)"])
                return
            }
            guard !batch.isEmpty else { return }

            // One pipelined write for the batch; the replies say how far it got.
            var published: Int64?
            var failure: (any Error)?
            do {
                let replies = try await redis.pipeline(batch.map { ["PUBLISH", $0.channel, $0.payload] })
                for (entry, reply) in zip(batch, replies) {
                    if case .error(let message) = reply {
                        failure = RESPClientError.server(message)
                        break
                    }
                    published = entry.id
                }
            } catch {
                failure = error
            }
            if let published {
                do {
                    try database.write { db in try db.run(sql: "DELETE FROM outbox WHERE id <= ?", arguments: [published]) }
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
