import NIOCore

/// A protocol violation; the text is what Redis answers (`-ERR Protocol error: ...`).
public struct RESPProtocolError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "Protocol error: \(message)" }
}

/// Limits on what a peer may send, as Redis's `proto-max-bulk-len` and friends.
public struct RESPLimits: Sendable {
    public var maxBulkLength: Int
    public var maxArrayLength: Int
    public var maxInlineLength: Int
    public var maxDepth: Int

    public init(maxBulkLength: Int = 512 * 1024 * 1024, maxArrayLength: Int = 1024 * 1024,
                maxInlineLength: Int = 64 * 1024, maxDepth: Int = 64) {
        self.maxBulkLength = maxBulkLength
        self.maxArrayLength = maxArrayLength
        self.maxInlineLength = maxInlineLength
        self.maxDepth = maxDepth
    }
}

/// Reads RESP values out of a buffer. Each call either consumes one whole value or, when the
/// value is not complete yet, consumes nothing and returns nil.
public struct RESPParser: Sendable {
    public var limits: RESPLimits

    public init(limits: RESPLimits = RESPLimits()) { self.limits = limits }

    public func parseValue(from buffer: inout ByteBuffer) throws(RESPProtocolError) -> RESPValue? {
        var view = buffer
        guard let value = try value(from: &view, depth: 0) else { return nil }
        buffer = view
        return value
    }

    private func value(from buffer: inout ByteBuffer, depth: Int) throws(RESPProtocolError) -> RESPValue? {
        guard let marker = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard let line = try readLine(from: &buffer, skipping: 1) else { return nil }
        switch marker {
        case UInt8(ascii: "+"): return .simpleString(String(buffer: line))
        case UInt8(ascii: "-"): return .error(String(buffer: line))
        case UInt8(ascii: ":"):
            guard let value = line.decimalInteger else { throw RESPProtocolError("invalid integer") }
            return .integer(value)
        case UInt8(ascii: "$"):
            guard let length = line.decimalInteger, length >= -1, length <= limits.maxBulkLength else {
                throw RESPProtocolError("invalid bulk length")
            }
            if length == -1 { return .bulkString(nil) }
            guard buffer.readableBytes >= length + 2 else { return nil }
            let payload = buffer.readSlice(length: length)!
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else { throw RESPProtocolError("expected CRLF after bulk") }
            return .bulkString(payload)
        case UInt8(ascii: "*"), UInt8(ascii: "~"), UInt8(ascii: ">"), UInt8(ascii: "%"):
            guard let count = line.decimalInteger, count >= -1, count <= limits.maxArrayLength else {
                throw RESPProtocolError("invalid multibulk length")
            }
            if count == -1 { return .array(nil) }
            guard depth < limits.maxDepth else { throw RESPProtocolError("nesting too deep") }
            let elementCount = marker == UInt8(ascii: "%") ? count * 2 : count
            var elements: [RESPValue] = []
            elements.reserveCapacity(Swift.min(elementCount, 1024))
            for _ in 0..<elementCount {
                guard let element = try value(from: &buffer, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            switch marker {
            case UInt8(ascii: "~"): return .set(elements)
            case UInt8(ascii: ">"): return .push(elements)
            case UInt8(ascii: "%"): return .map(elements)
            default: return .array(elements)
            }
        case UInt8(ascii: "_"):
            return .null
        case UInt8(ascii: "#"):
            switch String(buffer: line) {
            case "t": return .boolean(true)
            case "f": return .boolean(false)
            default: throw RESPProtocolError("invalid boolean")
            }
        case UInt8(ascii: ","):
            let text = String(buffer: line)
            guard let number = Double(text == "inf" ? "infinity" : text == "-inf" ? "-infinity" : text) else {
                throw RESPProtocolError("invalid double")
            }
            return .double(number)
        default:
            throw RESPProtocolError("unexpected type byte '\(Character(Unicode.Scalar(marker)))'")
        }
    }

    /// The bytes up to CRLF, without the first `skipping` bytes; nil while CRLF has not arrived.
    func readLine(from buffer: inout ByteBuffer, skipping: Int) throws(RESPProtocolError) -> ByteBuffer? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > limits.maxInlineLength { throw RESPProtocolError("too big inline request") }
            return nil
        }
        let lineLength = newline - view.startIndex
        guard lineLength >= 1, view[newline - 1] == UInt8(ascii: "\r"), lineLength - 1 >= skipping else {
            throw RESPProtocolError("expected CRLF line ending")
        }
        buffer.moveReaderIndex(forwardBy: skipping)
        let line = buffer.readSlice(length: lineLength - 1 - skipping)!
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }
}
