import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceRuntime
import Testing

@Suite("end-of-iteration batches")
struct IterationBatchTests {
    @Test func itemsAddedInOneIterationRunTogetherInOrder() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let runs = NIOLockedValueBox<[[Int]]>([])
        let batches = IterationBatches<Int>(group: group) { loop, items in
            #expect(loop.inEventLoop)
            runs.withLockedValue { $0.append(items) }
        }
        let loop = group.next()
        try await loop.submit {
            for item in 1...5 { batches.batch(for: loop)!.add(item) }
        }.get()
        // The batch is a task queued behind the one that filled it.
        try await loop.submit {}.get()
        try await loop.submit {
            batches.batch(for: loop)!.add(6)
        }.get()
        try await loop.submit {}.get()
        #expect(runs.withLockedValue { $0 } == [[1, 2, 3, 4, 5], [6]])
        try await group.shutdownGracefully()
    }

    /// What a batch adds while it runs is the next batch's, and both arrays keep their order.
    @Test func itemsAddedWhileABatchRunsRunInTheNextBatch() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let loop = group.next()
        let runs = NIOLockedValueBox<[[Int]]>([])
        let batch = NIOLockedValueBox<IterationBatch<Int>?>(nil)
        let made = IterationBatch<Int>(eventLoop: loop) { items in
            let first = runs.withLockedValue { $0.append(items); return $0.count == 1 }
            if first { for item in 10...12 { batch.withLockedValue { $0 }!.add(item) } }
        }
        batch.withLockedValue { $0 = made }
        try await loop.submit { made.add(1); made.add(2) }.get()
        try await loop.submit {}.get()
        try await loop.submit {}.get()
        #expect(runs.withLockedValue { $0 } == [[1, 2], [10, 11, 12]])
        try await group.shutdownGracefully()
    }

    @Test func aLoopOutsideTheGroupHasNoBatch() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let other = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let batches = IterationBatches<Int>(group: group) { _, _ in }
        #expect(batches.batch(for: group.next()) != nil)
        #expect(batches.batch(for: other.next()) == nil)
        try await group.shutdownGracefully()
        try await other.shutdownGracefully()
    }

    /// Items for two owner loops, sent from one of them: each owner gets its own items, in
    /// order, on its own thread, in one delivery.
    @Test func theDispatcherHopsOncePerOwnerLoop() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let loops = Array(group.makeIterator())
        struct Item: Sendable {
            let owner: Int
            let sequence: Int
        }
        let deliveries = NIOLockedValueBox<[(owner: Int, items: [Int])]>([])
        let dispatcher = LoopDispatcher<Item>(group: group, owner: { loops[$0.owner] }) { items in
            #expect(items.allSatisfy { loops[$0.owner].inEventLoop })
            deliveries.withLockedValue { $0.append((items[0].owner, items.map(\.sequence))) }
        }
        try await loops[0].submit {
            for sequence in 0..<6 { dispatcher.send(Item(owner: sequence % 2, sequence: sequence)) }
        }.get()
        // The batch runs after the task that filled it, then each owner runs what it got.
        try await loops[0].submit {}.get()
        for loop in loops { try await loop.submit {}.get() }
        // From outside the group: one hop per item.
        dispatcher.send(Item(owner: 1, sequence: 6))
        try await loops[1].submit {}.get()
        let byOwner = Dictionary(grouping: deliveries.withLockedValue { $0 }, by: \.owner).mapValues { $0.map(\.items) }
        #expect(byOwner[0] == [[0, 2, 4]])
        #expect(byOwner[1] == [[1, 3, 5], [6]])
        try await group.shutdownGracefully()
    }
}
