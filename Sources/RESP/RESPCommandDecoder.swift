import NIOCore

/// One command as a client sent it: its name, then its arguments.
///
/// A concrete type rather than `[ByteBuffer]`: NIO's generic pipeline code would otherwise
/// look up the array's type metadata at run time for every command.
public struct RESPCommand: Sendable, Equatable {
    public var name: ByteBuffer
    /// The arguments after the name.
    public var arguments: [ByteBuffer]

    public init(name: ByteBuffer, arguments: [ByteBuffer]) {
        self.name = name
        self.arguments = arguments
    }

    /// A command from its words, name first; nil for no words.
    public init?(_ words: [ByteBuffer]) {
        guard let name = words.first else { return nil }
        self.init(name: name, arguments: Array(words.dropFirst()))
    }

    /// Name and arguments, as sent.
    public var words: [ByteBuffer] { [name] + arguments }
}

/// Server side: reads what clients send, the multibulk form clients use and the inline form
/// typed in telnet (`PING`, `SUBSCRIBE a b`), as Redis's `processMultibulkBuffer` and
/// `processInlineBuffer` do.
///
/// `parse` fills a `RESPCommand` the caller keeps between commands, so that a busy connection
/// allocates nothing per command: the arguments are slices of the bytes read.
public struct RESPCommandParser: Sendable {
    public let limits: RESPLimits

    public init(limits: RESPLimits = RESPLimits()) { self.limits = limits }

    /// Reads the next command at the reader index into `command`; false (and nothing consumed)
    /// until a whole command is there. Empty inline lines are skipped, as Redis does.
    public func parse(from buffer: inout ByteBuffer, into command: inout RESPCommand) throws(RESPProtocolError) -> Bool {
        while let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) {
            if first == UInt8(ascii: "*") {
                // nil: an empty multibulk, skipped.
                if let complete = try parseMultibulk(&buffer, into: &command) { return complete }
                continue
            }
            guard let words = try parseInline(&buffer) else { return false }
            if let parsed = RESPCommand(words) {
                command = parsed
                return true
            }
        }
        return false
    }

    /// Scans the raw bytes once, cutting one slice per argument as it goes: true for a whole
    /// command, false for one not complete yet, nil for `*0` or `*-1` (consumed).
    private func parseMultibulk(_ buffer: inout ByteBuffer, into command: inout RESPCommand) throws(RESPProtocolError) -> Bool? {
        let limits = self.limits
        command.arguments.removeAll(keepingCapacity: true)
        let start = buffer.readerIndex
        let scanned: (end: Int, count: Int)? = try buffer.withUnsafeReadableBytes { (bytes) throws(RESPProtocolError) in
            var index = 0
            guard let count = try Self.readLength(bytes, &index, marker: UInt8(ascii: "*"), limit: limits.maxArrayLength,
                                                  error: "invalid multibulk length", lineLimit: limits.maxInlineLength) else {
                return nil
            }
            // `*0` and `*-1` are skipped without a reply, as in Redis.
            for position in 0..<max(count, 0) {
                guard let range = try Self.readBulk(bytes, &index, limits: limits) else { return nil }
                let slice = buffer.getSlice(at: start + range.lowerBound, length: range.count)!
                if position == 0 { command.name = slice } else { command.arguments.append(slice) }
            }
            return (index, count)
        }
        guard let scanned else {
            command.arguments.removeAll(keepingCapacity: true)
            return false
        }
        buffer.moveReaderIndex(forwardBy: scanned.end)
        return scanned.count > 0 ? true : nil
    }

    /// Reads `$<length>\r\n<bytes>\r\n` at `index` and moves past it: where the bytes are, or
    /// nil (index unmoved) until all of it has arrived. Commands and pushes are made of these.
    static func readBulk(_ bytes: UnsafeRawBufferPointer, _ index: inout Int, limits: RESPLimits) throws(RESPProtocolError) -> Range<Int>? {
        guard index < bytes.count else { return nil }
        guard bytes[index] == UInt8(ascii: "$") else {
            throw RESPProtocolError("expected '$', got '\(Character(Unicode.Scalar(bytes[index])))'")
        }
        var cursor = index
        guard let length = try readLength(bytes, &cursor, marker: UInt8(ascii: "$"), limit: limits.maxBulkLength,
                                          error: "invalid bulk length", lineLimit: limits.maxInlineLength) else {
            return nil
        }
        guard length >= 0 else { throw RESPProtocolError("invalid bulk length") }
        guard bytes.count - cursor >= length + 2 else { return nil }
        guard bytes[cursor + length] == 0x0D, bytes[cursor + length + 1] == 0x0A else { throw RESPProtocolError("expected CRLF after bulk") }
        index = cursor + length + 2
        return cursor..<(cursor + length)
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

    private func parseInline(_ buffer: inout ByteBuffer) throws(RESPProtocolError) -> [ByteBuffer]? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > limits.maxInlineLength { throw RESPProtocolError("too big inline request") }
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

/// The parser as a `ByteToMessageDecoder`, for pipelines that want one `RESPCommand` per
/// message (mock-redis parses in its connection handler instead).
public struct RESPCommandDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = RESPCommand
    private let parser: RESPCommandParser

    public init(limits: RESPLimits = RESPLimits()) { parser = RESPCommandParser(limits: limits) }

    public mutating func decode(buffer: inout ByteBuffer) throws -> RESPCommand? {
        var command = RESPCommand(name: ByteBuffer(), arguments: [])
        return try parser.parse(from: &buffer, into: &command) ? command : nil
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPCommand? {
        try decode(buffer: &buffer)
    }
}

extension ByteBuffer {
    /// The buffer's bytes as a decimal integer (an optional `-`, then digits), read in place:
    /// lengths come with every argument of every command. nil when it does not fit an `Int`
    /// (19 nines overflow: a peer's length line must never trap).
    var decimalInteger: Int? {
        let view = readableBytesView
        guard let first = view.first else { return nil }
        let negative = first == UInt8(ascii: "-")
        let digits = negative ? view.dropFirst() : view[...]
        guard !digits.isEmpty else { return nil }
        var value = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let digit = Int(byte - UInt8(ascii: "0"))
            let (shifted, shiftOverflow) = value.multipliedReportingOverflow(by: 10)
            // Accumulated on the sign's side, so Int.min reads too.
            let (next, addOverflow) = negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !shiftOverflow, !addOverflow else { return nil }
            value = next
        }
        return value
    }
}
