import NIOCore

/// One command as a client sent it: the name, then the arguments.
///
/// A concrete type rather than `[ByteBuffer]`: NIO's generic pipeline code would otherwise
/// look up the array's type metadata at run time for every command.
public struct RESPCommand: Sendable, Equatable {
    public var arguments: [ByteBuffer]
    public init(_ arguments: [ByteBuffer]) { self.arguments = arguments }
}

/// Server side: turns what clients send into commands, each a list of arguments. Reads the
/// multibulk form clients use and the inline form typed in telnet (`PING`, `SUBSCRIBE a b`).
public struct RESPCommandDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = RESPCommand
    private let parser: RESPParser

    public init(limits: RESPLimits = RESPLimits()) { parser = RESPParser(limits: limits) }

    public mutating func decode(buffer: inout ByteBuffer) throws -> RESPCommand? {
        while let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) {
            if first == UInt8(ascii: "*") {
                return try decodeMultibulk(&buffer).map(RESPCommand.init)
            }
            guard let command = try decodeInline(&buffer) else { return nil }
            // An empty line is skipped, as Redis does.
            if !command.isEmpty { return RESPCommand(command) }
        }
        return nil
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPCommand? {
        try decode(buffer: &buffer)
    }

    /// Scans the raw bytes once for the whole command (lengths are read in place, with no
    /// slice per length line), then cuts one slice per argument.
    private func decodeMultibulk(_ buffer: inout ByteBuffer) throws -> [ByteBuffer]? {
        let limits = parser.limits
        let scanned: (ranges: [Range<Int>], end: Int)? = try buffer.withUnsafeReadableBytes { bytes in
            var index = 0
            guard let count = try Self.readLength(bytes, &index, marker: UInt8(ascii: "*"), limit: limits.maxArrayLength,
                                                  error: "invalid multibulk length", lineLimit: limits.maxInlineLength) else {
                return nil
            }
            var ranges: [Range<Int>] = []
            ranges.reserveCapacity(max(0, min(count, 64)))
            for _ in 0..<max(count, 0) {
                guard index < bytes.count else { return nil }
                guard bytes[index] == UInt8(ascii: "$") else {
                    throw RESPProtocolError("expected '$', got '\(Character(Unicode.Scalar(bytes[index])))'")
                }
                guard let length = try Self.readLength(bytes, &index, marker: UInt8(ascii: "$"), limit: limits.maxBulkLength,
                                                       error: "invalid bulk length", lineLimit: limits.maxInlineLength) else {
                    return nil
                }
                guard length >= 0 else { throw RESPProtocolError("invalid bulk length") }
                guard bytes.count - index >= length + 2 else { return nil }
                ranges.append(index..<(index + length))
                index += length
                guard bytes[index] == 0x0D, bytes[index + 1] == 0x0A else { throw RESPProtocolError("expected CRLF after bulk") }
                index += 2
            }
            return (ranges, index)
        }
        guard let scanned else { return nil }
        let start = buffer.readerIndex
        let arguments = scanned.ranges.map { buffer.getSlice(at: start + $0.lowerBound, length: $0.count)! }
        buffer.moveReaderIndex(forwardBy: scanned.end)
        return arguments
    }

    /// Reads `<marker><decimal>\r\n` at `index` (which points at the marker); nil until the
    /// line is complete.
    private static func readLength(_ bytes: UnsafeRawBufferPointer, _ index: inout Int, marker: UInt8, limit: Int,
                                   error: String, lineLimit: Int) throws(RESPProtocolError) -> Int? {
        var cursor = index + 1
        var value = 0
        var negative = false
        var digits = 0
        while true {
            guard cursor < bytes.count else {
                if cursor - index > lineLimit { throw RESPProtocolError("too big inline request") }
                return nil
            }
            let byte = bytes[cursor]
            if byte == 0x0D { break }
            if byte == UInt8(ascii: "-"), cursor == index + 1 {
                negative = true
            } else if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 18 {
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                digits += 1
            } else {
                throw RESPProtocolError(error)
            }
            cursor += 1
        }
        guard cursor + 1 < bytes.count else { return nil }
        guard bytes[cursor + 1] == 0x0A, digits > 0 else { throw RESPProtocolError(digits > 0 ? "expected CRLF line ending" : error) }
        let result = negative ? -value : value
        guard result <= limit else { throw RESPProtocolError(error) }
        index = cursor + 2
        return result
    }

    private func decodeInline(_ buffer: inout ByteBuffer) throws -> [ByteBuffer]? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > parser.limits.maxInlineLength { throw RESPProtocolError("too big inline request") }
            return nil
        }
        var end = newline
        if end > view.startIndex, view[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        guard let arguments = InlineArguments.split(view[view.startIndex..<end]) else {
            throw RESPProtocolError("unbalanced quotes in request")
        }
        buffer.moveReaderIndex(forwardBy: newline - view.startIndex + 1)
        return arguments
    }
}

extension ByteBuffer {
    /// The buffer's bytes as a decimal integer (an optional `-`, then digits), read in place:
    /// lengths come with every argument of every command.
    var decimalInteger: Int? {
        let view = readableBytesView
        guard !view.isEmpty, view.count <= 19 else { return view.isEmpty ? nil : Int(String(buffer: self)) }
        var value = 0
        var negative = false
        for (offset, byte) in view.enumerated() {
            if offset == 0, byte == UInt8(ascii: "-"), view.count > 1 {
                negative = true
                continue
            }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return negative ? -value : value
    }
}
