import Foundation
import NIOConcurrencyHelpers

/// A program's recent hop records, in a ring of fixed size: memory stays bounded however long
/// the program runs, and a trace is looked up while it is recent.
public final class TraceRecorder: Sendable {
    public let program: String
    public let capacity: Int
    private struct Ring {
        var records: [HopRecord] = []
        var next = 0
    }
    private let ring = NIOLockedValueBox(Ring())

    public init(program: String, capacity: Int) {
        self.program = program
        self.capacity = max(1, capacity)
    }

    public func record(_ record: HopRecord) {
        ring.withLockedValue { ring in
            if ring.records.count < capacity {
                ring.records.append(record)
            } else {
                ring.records[ring.next] = record
            }
            ring.next = (ring.next + 1) % capacity
        }
    }

    /// Records the hop `span` (this program's own, a child of the caller's `parentSpanID`) that began at `started`.
    public func record(_ name: String, span: TraceParent, parentSpanID: String?, started: Date, status: Int? = nil,
                       failed: Bool = false, detail: String? = nil, digest: String? = nil) {
        record(HopRecord(
            traceID: span.traceID, spanID: span.spanID, parentSpanID: parentSpanID,
            program: program, name: name, startedAt: started, duration: Date().timeIntervalSince(started),
            status: status, failed: failed, detail: detail, digest: digest))
    }

    /// The records of `traceID`, and those of payloads with one of `digests`, oldest first.
    public func report(traceID: String, digests: Set<String> = []) -> TraceReport {
        let hops = ring.withLockedValue { ring in
            ring.records.filter { $0.traceID == traceID || ($0.digest.map(digests.contains) ?? false) }
        }
        return TraceReport(traceID: traceID, program: program, hops: hops.sorted { $0.startedAtMs < $1.startedAtMs })
    }
}
