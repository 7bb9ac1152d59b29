/// A W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/): version, a 16-byte
/// trace id, the 8-byte id of the caller's span, and flags, as lowercase hex.
///
/// Every hop of an action passes one on as an HTTP header with its own span id, so that each
/// program's records of the action share the trace id.
public struct TraceParent: Sendable, Hashable, CustomStringConvertible {
    // Kept as numbers, so that a new span costs no string: the hex is written out when a header
    // or a record needs it.
    private let traceHigh: UInt64
    private let traceLow: UInt64
    private let span: UInt64
    public let flags: UInt8

    /// 32 lowercase hex digits, never all zero.
    public var traceID: String { Self.hex(traceHigh) + Self.hex(traceLow) }
    /// 16 lowercase hex digits, never all zero.
    public var spanID: String { Self.hex(span) }

    /// The trace of the work the current task does for a traced request, if any.
    @TaskLocal public static var current: TraceParent?

    /// Reads a header value; nil when it is not one (W3C: the receiver then starts a new trace).
    public init?(_ header: some StringProtocol) {
        let bytes = Array(header.utf8)
        // Version 00 is exactly 55 characters; a later version may append fields after a dash.
        guard bytes.count >= 55, bytes[2] == 0x2D, bytes[35] == 0x2D, bytes[52] == 0x2D,
              bytes.count == 55 || (bytes[55] == 0x2D && !(bytes[0] == 0x30 && bytes[1] == 0x30)) else { return nil }
        guard let version = Self.value(ofHex: bytes[0..<2]), version != 0xFF,
              let traceHigh = Self.value(ofHex: bytes[3..<19]), let traceLow = Self.value(ofHex: bytes[19..<35]),
              let span = Self.value(ofHex: bytes[36..<52]), let flags = Self.value(ofHex: bytes[53..<55]),
              traceHigh | traceLow != 0, span != 0 else { return nil }
        self.init(traceHigh: traceHigh, traceLow: traceLow, span: span, flags: UInt8(flags))
    }

    private init(traceHigh: UInt64, traceLow: UInt64, span: UInt64, flags: UInt8) {
        self.traceHigh = traceHigh
        self.traceLow = traceLow
        self.span = span
        self.flags = flags
    }

    /// The trace id a person gave: 32 hex digits, or a whole traceparent; nil for anything else.
    public static func traceID(given text: String) -> String? {
        let traceID = TraceParent(text)?.traceID ?? text.lowercased()
        return traceID.count == 32 && traceID.allSatisfy(\.isHexDigit) ? traceID : nil
    }

    /// A new trace, sampled.
    public static func random() -> TraceParent {
        TraceParent(traceHigh: TraceIDSource.nonZero(), traceLow: TraceIDSource.next(), span: TraceIDSource.nonZero(), flags: 1)
    }

    /// The same trace with a new span: what a hop sends on as its own.
    public func child() -> TraceParent {
        TraceParent(traceHigh: traceHigh, traceLow: traceLow, span: TraceIDSource.nonZero(), flags: flags)
    }

    /// The header value, version 00.
    public var description: String {
        String(unsafeUninitializedCapacity: Self.headerLength) { buffer in
            writeHeaderValue(to: UnsafeMutableRawBufferPointer(buffer))
            return Self.headerLength
        }
    }

    /// The header value's bytes, without a string on the way (a request writes them straight into its buffer).
    public func withHeaderValue<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withUnsafeTemporaryAllocation(byteCount: Self.headerLength, alignment: 1) { buffer in
            writeHeaderValue(to: buffer)
            return try body(UnsafeRawBufferPointer(buffer))
        }
    }

    private static let headerLength = 55

    /// `00-<trace>-<span>-<flags>` into the first 55 bytes of `buffer`.
    private func writeHeaderValue(to buffer: UnsafeMutableRawBufferPointer) {
        Self.writeHex(0, digits: 2, to: buffer, at: 0)
        buffer[2] = 0x2D
        Self.writeHex(traceHigh, digits: 16, to: buffer, at: 3)
        Self.writeHex(traceLow, digits: 16, to: buffer, at: 19)
        buffer[35] = 0x2D
        Self.writeHex(span, digits: 16, to: buffer, at: 36)
        buffer[52] = 0x2D
        Self.writeHex(UInt64(flags), digits: 2, to: buffer, at: 53)
    }

    /// 16 lowercase hex digits.
    static func hex(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { buffer in
            writeHex(value, digits: 16, to: UnsafeMutableRawBufferPointer(buffer), at: 0)
            return 16
        }
    }

    /// The low `digits` hex digits of `value`, most significant first.
    private static func writeHex(_ value: UInt64, digits: Int, to buffer: UnsafeMutableRawBufferPointer, at offset: Int) {
        let alphabet: StaticString = "0123456789abcdef"
        for index in 0..<digits {
            buffer[offset + index] = alphabet.utf8Start[Int((value >> (4 * UInt64(digits - 1 - index))) & 0xF)]
        }
    }

    /// Lowercase hex digits only (W3C), up to 16 of them.
    private static func value(ofHex digits: ArraySlice<UInt8>) -> UInt64? {
        var value: UInt64 = 0
        for byte in digits {
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt64(digit)
        }
        return value
    }
}
