import NIOCore

/// Work gathered during one event loop iteration and done once at its end, as Redis does its
/// writes in `beforeSleep`.
///
/// Writing as each message comes costs a `write(2)` per message (and a thread hop per message
/// for a socket on another loop), and each write wakes the peer. Gathered, a busy loop pays
/// that once per socket per iteration. Loop tasks run after the loop's I/O events, so the
/// batch runs once every ready socket has been read.
public final class IterationBatch<Item>: @unchecked Sendable {
    // @unchecked: the items are touched on `eventLoop` only, which `add` asserts.
    public let eventLoop: any EventLoop
    private var items: [Item] = []
    private let run: ([Item]) -> Void

    /// `run` gets the items in the order they were added.
    public init(eventLoop: any EventLoop, run: @escaping ([Item]) -> Void) {
        self.eventLoop = eventLoop
        self.run = run
    }

    /// Adds an item, on the batch's loop.
    public func add(_ item: Item) {
        eventLoop.assertInEventLoop()
        if items.isEmpty {
            eventLoop.execute { self.runAll() }
        }
        items.append(item)
    }

    private func runAll() {
        // What `run` adds lands in the next batch.
        let batch = items
        items.removeAll(keepingCapacity: true)
        run(batch)
    }
}

/// One batch per loop of a group, found by the loop a channel belongs to or the current one.
public struct IterationBatches<Item>: @unchecked Sendable {
    // @unchecked: built once and only read after; each batch keeps to its own loop.
    private let batches: [ObjectIdentifier: IterationBatch<Item>]

    public init(group: any EventLoopGroup, run: @escaping (_ loop: any EventLoop, _ items: [Item]) -> Void) {
        var batches: [ObjectIdentifier: IterationBatch<Item>] = [:]
        for loop in group.makeIterator() {
            batches[ObjectIdentifier(loop)] = IterationBatch(eventLoop: loop) { run(loop, $0) }
        }
        self.batches = batches
    }

    /// The batch of `loop`; nil for a loop outside the group (an `EmbeddedEventLoop` in tests).
    public func batch(for loop: any EventLoop) -> IterationBatch<Item>? {
        batches[ObjectIdentifier(loop)]
    }
}
