import NIOCore

/// Redis's `clients_pending_write`, for one event loop: connections that have output queue
/// it here, and it is flushed once the loop has handled every socket that was ready.
///
/// Flushing at once would cost one `write(2)` per reply, and each one wakes the peer; Redis
/// writes in `beforeSleep` instead, so that a busy peer finds all its replies (and a
/// subscriber all its messages) in one wake-up. Loop tasks run after the loop's I/O events,
/// which gives the same order here.
final class FlushBatch: @unchecked Sendable {
    // @unchecked: every member is used on `eventLoop` only, which the methods assert.
    private let eventLoop: any EventLoop
    private var waiting: [RedisCommandHandler] = []

    init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    /// Flushes `handler` at the end of this loop iteration.
    func flushSoon(_ handler: RedisCommandHandler) {
        eventLoop.assertInEventLoop()
        if waiting.isEmpty {
            eventLoop.execute { self.flushAll() }
        }
        waiting.append(handler)
    }

    private func flushAll() {
        // A flush can make a handler queue more output (a close, say): it lands in the next batch.
        let handlers = waiting
        waiting.removeAll(keepingCapacity: true)
        for handler in handlers { handler.flushNow() }
    }

    /// One batch per loop of `group`, found by the loop a channel belongs to.
    static func perLoop(of group: any EventLoopGroup) -> [ObjectIdentifier: FlushBatch] {
        var batches: [ObjectIdentifier: FlushBatch] = [:]
        for loop in group.makeIterator() {
            batches[ObjectIdentifier(loop)] = FlushBatch(eventLoop: loop)
        }
        return batches
    }
}
