import Foundation

/// The simulator's pending work in simulated time, earliest first; ties go by connector, so
/// that the same commands always give the same order of events.
struct TimerQueue {
    enum Kind: Sendable, Equatable {
        /// The next fixed meter step of a transaction.
        case meterStep(transactionID: Int)
        /// The driver unplugs after a stop.
        case unplug(transactionID: Int)
        /// A walk-in driver arrives at the connector (`--auto`).
        case arrival
        /// A walk-in driver ends the session and leaves.
        case departure(transactionID: Int)
        /// A reservation runs out unused.
        case reservationExpiry(reservationID: Int)
    }

    struct Timer: Sendable {
        var due: Date
        var key: FleetSimulator.ConnectorKey
        var kind: Kind
        /// Insertion order: the last tie-breaker.
        var sequence: UInt64

        func precedes(_ other: Timer) -> Bool {
            if due != other.due { return due < other.due }
            if key != other.key { return key < other.key }
            return sequence < other.sequence
        }
    }

    private var heap: [Timer] = []
    private var sequence: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }
    var nextDue: Date? { heap.first?.due }

    mutating func schedule(_ kind: Kind, for key: FleetSimulator.ConnectorKey, at due: Date) {
        sequence += 1
        heap.append(Timer(due: due, key: key, kind: kind, sequence: sequence))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].precedes(heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// The earliest timer due at or before `now`, removed.
    mutating func popDue(atOrBefore now: Date) -> Timer? {
        guard let first = heap.first, first.due <= now else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1, right = left + 1
                var smallest = parent
                if left < heap.count, heap[left].precedes(heap[smallest]) { smallest = left }
                if right < heap.count, heap[right].precedes(heap[smallest]) { smallest = right }
                if smallest == parent { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return first
    }
}
