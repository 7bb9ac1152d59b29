/// A W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/): version, a 16-byte
/// trace id, the 8-byte id of the caller's span, and flags, as lowercase hex.
///
/// Every hop of an action passes one on as an HTTP header with its own span id, so that each
/// program's records of the action share the trace id.
public struct TraceParent: Sendable, Hashable, CustomStringConvertible {
    /// 32 lowercase hex digits, never all zero.
    public let traceID: String
    /// 16 lowercase hex digits, never all zero.
    public let spanID: String
    public let flags: UInt8

    /// The trace of the work the current task does for a traced request, if any.
    @TaskLocal public static var current: TraceParent?

    /// Reads a header value; nil when it is not one (W3C: the receiver then starts a new trace).
    public init?(_ header: some StringProtocol) {
        let bytes = Array(header.utf8)
        // Version 00 is exactly 55 characters; a later version may append fields after a dash.
        guard bytes.count >= 55, bytes[2] == 0x2D, bytes[35] == 0x2D, bytes[52] == 0x2D,
              bytes.count == 55 || (bytes[55] == 0x2D && !(bytes[0] == 0x30 && bytes[1] == 0x30)) else { return nil }
        func hex(_ range: Range<Int>) -> String? {
            let slice = bytes[range]
            guard slice.allSatisfy(Self.isLowerHex) else { return nil }
            return String(decoding: slice, as: UTF8.self)
        }
        guard let version = hex(0..<2), version != "ff", let traceID = hex(3..<35), let spanID = hex(36..<52),
              let flags = hex(53..<55).flatMap({ UInt8($0, radix: 16) }),
              traceID.contains(where: { $0 != "0" }), spanID.contains(where: { $0 != "0" }) else { return nil }
        self.traceID = traceID
        self.spanID = spanID
        self.flags = flags
    }

    public init(traceID: String, spanID: String, flags: UInt8 = 1) {
        self.traceID = traceID
        self.spanID = spanID
        self.flags = flags
    }

    /// The trace id a person gave: 32 hex digits, or a whole traceparent; nil for anything else.
    public static func traceID(given text: String) -> String? {
        let traceID = TraceParent(text)?.traceID ?? text.lowercased()
        return traceID.count == 32 && traceID.allSatisfy(\.isHexDigit) ? traceID : nil
    }

    /// A new trace, sampled.
    public static func random() -> TraceParent {
        TraceParent(
            traceID: Self.hex(TraceIDSource.nonZero()) + Self.hex(TraceIDSource.next()), spanID: Self.hex(TraceIDSource.nonZero()),
            flags: 1)
    }

    /// The same trace with a new span: what a hop sends on as its own.
    public func child() -> TraceParent {
        TraceParent(traceID: traceID, spanID: Self.hex(TraceIDSource.nonZero()), flags: flags)
    }

    /// The header value, version 00.
    public var description: String {
        "00-\(traceID)-\(spanID)-" + (flags < 16 ? "0" : "") + String(flags, radix: 16)
    }

    /// 16 lowercase hex digits.
    static func hex(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { buffer in
            let digits: StaticString = "0123456789abcdef"
            for index in 0..<16 {
                buffer[index] = digits.utf8Start[Int((value >> (60 - 4 * UInt64(index))) & 0xF)]
            }
            return 16
        }
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x61...0x66).contains(byte)
    }
}
