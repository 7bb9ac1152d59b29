import NIOCore
import NIOPosix

/// Work gathered during one event loop iteration and done once at its end, as Redis does its
/// writes in `beforeSleep`.
///
/// Writing as each message comes costs a `write(2)` per message (and a thread hop per message
/// for a socket on another loop), and each write wakes the peer. Gathered, a busy loop pays
/// that once per socket per iteration. Loop tasks run after the loop's I/O events, so the
/// batch runs once every ready socket has been read.
///
/// Inlinable, so that the modules using it get it specialized for their items: generic code
/// on a hot path looks up type metadata at run time.
public final class IterationBatch<Item>: @unchecked Sendable {
    // @unchecked: the items are touched on `eventLoop` only, which `add` checks.
    public let eventLoop: any EventLoop
    @usableFromInline var items: [Item] = []
    /// The array of the batch before, emptied: the two take turns, so a batch allocates nothing.
    @usableFromInline var spare: [Item] = []
    @usableFromInline let run: ([Item]) -> Void

    /// `run` gets the items in the order they were added.
    @inlinable
    public init(eventLoop: any EventLoop, run: @escaping ([Item]) -> Void) {
        self.eventLoop = eventLoop
        self.run = run
    }

    /// Adds an item, on the batch's loop (checked in release builds too: anywhere else it would
    /// be a data race).
    @inlinable
    public func add(_ item: Item) {
        eventLoop.preconditionInEventLoop()
        if items.isEmpty {
            eventLoop.execute { self.runAll() }
        }
        items.append(item)
    }

    @usableFromInline
    func runAll() {
        // What `run` adds lands in the next batch. The spare is moved in, not copied: a copy
        // would share its storage, and the next `add` would then copy the array.
        var batch: [Item] = []
        swap(&batch, &spare)
        swap(&batch, &items)
        run(batch)
        batch.removeAll(keepingCapacity: true)
        spare = batch
    }
}

/// One batch per loop of a group, found by the loop a channel belongs to or the current one.
public struct IterationBatches<Item>: @unchecked Sendable {
    // @unchecked: built once and only read after; each batch keeps to its own loop.
    @usableFromInline let batches: [ObjectIdentifier: IterationBatch<Item>]

    @inlinable
    public init(group: any EventLoopGroup, run: @escaping (_ loop: any EventLoop, _ items: [Item]) -> Void) {
        var batches: [ObjectIdentifier: IterationBatch<Item>] = [:]
        for loop in group.makeIterator() {
            batches[ObjectIdentifier(loop)] = IterationBatch(eventLoop: loop) { run(loop, $0) }
        }
        self.batches = batches
    }

    /// The batch of `loop`; nil for a loop outside the group (an `EmbeddedEventLoop` in tests).
    @inlinable
    public func batch(for loop: any EventLoop) -> IterationBatch<Item>? {
        batches[ObjectIdentifier(loop)]
    }
}

/// Hands items to the event loops that own them (a socket's loop, say) in batches: what one
/// iteration of a loop produces goes to each owner loop in one hop, in the order it came.
/// From a thread outside the group, each item hops on its own.
public struct LoopDispatcher<Item: Sendable>: Sendable {
    @usableFromInline let batches: IterationBatches<Item>
    @usableFromInline let owner: @Sendable (Item) -> any EventLoop
    @usableFromInline let deliver: @Sendable ([Item]) -> Void

    /// `deliver` runs on the owner loop of every item it gets.
    @inlinable
    public init(group: any EventLoopGroup, owner: @escaping @Sendable (Item) -> any EventLoop,
                deliver: @escaping @Sendable ([Item]) -> Void) {
        self.owner = owner
        self.deliver = deliver
        self.batches = IterationBatches(group: group) { loop, items in
            // Most often every item is this loop's own (a loop's Redis connection feeds its
            // sockets): then they go as they are, without being sorted by owner.
            if items.allSatisfy({ owner($0) === loop }) {
                deliver(items)
                return
            }
            var byOwner: [ObjectIdentifier: (loop: any EventLoop, items: [Item])] = [:]
            for item in items {
                let target = owner(item)
                byOwner[ObjectIdentifier(target), default: (target, [])].items.append(item)
            }
            for (target, items) in byOwner.values {
                if target === loop { deliver(items) } else { target.execute { deliver(items) } }
            }
        }
    }

    @inlinable
    public func send(_ item: Item) {
        if let current = MultiThreadedEventLoopGroup.currentEventLoop, let batch = batches.batch(for: current) {
            batch.add(item)
        } else {
            let target = owner(item)
            target.execute { [deliver] in deliver([item]) }
        }
    }
}
