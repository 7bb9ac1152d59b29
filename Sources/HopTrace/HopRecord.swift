import Foundation

/// What one program did for a traced request: a span of the cross-hop timeline.
public struct HopRecord: Codable, Sendable, Equatable {
    /// The trace it belongs to; empty for a push the gateway delivered (pushes carry no trace:
    /// the Redis payloads stay the spec's), which is matched to a publish by `digest`.
    public var traceID: String
    public var spanID: String
    /// The span of the hop that called this one.
    public var parentSpanID: String?
    /// gateway, mock-backend, charger-sim.
    public var program: String
    /// What was done: `action start_charging`, `POST /api/websocket/message`, `PUBLISH user.123.notifications`.
    public var name: String
    /// Unix time in milliseconds.
    public var startedAtMs: Double
    public var durationMs: Double
    /// The HTTP status of a call, or the count of a publish's receivers or a push's sockets.
    public var status: Int?
    /// The hop went wrong: an error answer, a failed call, a publish nobody received.
    public var failed: Bool
    public var detail: String?
    /// `PayloadDigest` of a published or pushed payload.
    public var digest: String?

    public init(traceID: String, spanID: String, parentSpanID: String?, program: String, name: String,
                startedAt: Date, duration: Double, status: Int? = nil, failed: Bool = false, detail: String? = nil, digest: String? = nil) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.program = program
        self.name = name
        self.startedAtMs = (startedAt.timeIntervalSince1970 * 1_000_000).rounded() / 1000
        self.durationMs = (duration * 1_000_000).rounded() / 1000
        self.status = status
        self.failed = failed
        self.detail = detail
        self.digest = digest
    }

    enum CodingKeys: String, CodingKey {
        case traceID = "trace_id", spanID = "span_id", parentSpanID = "parent_span_id", program, name
        case startedAtMs = "started_at_ms", durationMs = "duration_ms", status, failed, detail, digest
    }
}

/// What `GET /debug/traces/TRACE_ID` answers: one program's records of a trace.
public struct TraceReport: Codable, Sendable, Equatable {
    public var traceID: String
    public var program: String
    public var hops: [HopRecord]

    public init(traceID: String, program: String, hops: [HopRecord]) {
        self.traceID = traceID
        self.program = program
        self.hops = hops
    }

    enum CodingKeys: String, CodingKey {
        case traceID = "trace_id", program, hops
    }
}

/// The same payload seen by the backend's PUBLISH and the gateway's push: FNV-1a, 64 bits, hex.
public enum PayloadDigest {
    public static func of(_ bytes: some Sequence<UInt8>) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return TraceParent.hex(hash)
    }
}
