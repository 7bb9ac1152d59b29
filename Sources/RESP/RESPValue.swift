import NIOCore

/// A RESP value, as Redis writes replies and clients write commands: RESP2's five types and
/// the RESP3 types that `HELLO 3` brings (written in their RESP2 form by `write(to:version:)`
/// for RESP2 connections, as Redis does).
public enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int)
    /// nil is the null bulk string (`$-1`).
    case bulkString(ByteBuffer?)
    /// nil is the null array (`*-1`).
    case array([RESPValue]?)
    /// RESP3 `_`; RESP2 writes the null bulk string.
    case null
    /// RESP3 `#`; RESP2 writes 1 or 0.
    case boolean(Bool)
    /// RESP3 `,`; RESP2 writes a bulk string.
    case double(Double)
    /// RESP3 `%`, keys and values alternating; RESP2 writes a flat array.
    case map([RESPValue])
    /// RESP3 `~`; RESP2 writes an array.
    case set([RESPValue])
    /// RESP3 `>` (pub/sub messages); RESP2 writes an array.
    case push([RESPValue])

    /// A command as clients send it: an array of bulk strings.
    public static func command(_ arguments: [String]) -> RESPValue {
        .array(arguments.map { .bulkString(ByteBuffer(string: $0)) })
    }

    public static func bulk(_ text: String) -> RESPValue { .bulkString(ByteBuffer(string: text)) }

    /// The text of a simple or bulk string.
    public var string: String? {
        switch self {
        case .simpleString(let text): text
        case .bulkString(let buffer?): String(buffer: buffer)
        default: nil
        }
    }

    public var integer: Int? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The elements of an array, set or push.
    public var array: [RESPValue]? {
        switch self {
        case .array(let values?), .set(let values), .push(let values): values
        default: nil
        }
    }
}

/// The protocol a connection speaks: RESP2 until `HELLO 3`.
public enum RESPVersion: Int, Sendable {
    case resp2 = 2
    case resp3 = 3
}

extension RESPValue {
    /// Appends the wire form, in RESP3 types or their RESP2 equivalents.
    public func write(to buffer: inout ByteBuffer, version: RESPVersion = .resp2) {
        switch self {
        case .simpleString(let text):
            buffer.writeInteger(UInt8(ascii: "+"))
            buffer.writeString(text)
            buffer.writeCRLF()
        case .error(let text):
            buffer.writeInteger(UInt8(ascii: "-"))
            buffer.writeString(text)
            buffer.writeCRLF()
        case .integer(let value):
            buffer.writeInteger(UInt8(ascii: ":"))
            buffer.writeDecimal(value)
            buffer.writeCRLF()
        case .bulkString(nil):
            buffer.writeStaticString("$-1\r\n")
        case .bulkString(let payload?):
            buffer.writeRESPBulkString(payload)
        case .array(nil):
            buffer.writeStaticString("*-1\r\n")
        case .array(let elements?):
            buffer.writeInteger(UInt8(ascii: "*"))
            buffer.writeDecimal(elements.count)
            buffer.writeCRLF()
            for element in elements { element.write(to: &buffer, version: version) }
        case .null:
            if version == .resp3 { buffer.writeStaticString("_\r\n") } else { buffer.writeStaticString("$-1\r\n") }
        case .boolean(let flag):
            if version == .resp3 {
                buffer.writeStaticString(flag ? "#t\r\n" : "#f\r\n")
            } else {
                RESPValue.integer(flag ? 1 : 0).write(to: &buffer)
            }
        case .double(let number):
            let text = number.isInfinite ? (number > 0 ? "inf" : "-inf") : String(number)
            if version == .resp3 {
                buffer.writeInteger(UInt8(ascii: ","))
                buffer.writeString(text)
                buffer.writeCRLF()
            } else {
                RESPValue.bulk(text).write(to: &buffer)
            }
        case .map(let elements):
            writeAggregate(version == .resp3 ? "%" : "*", count: version == .resp3 ? elements.count / 2 : elements.count,
                           elements, to: &buffer, version: version)
        case .set(let elements):
            writeAggregate(version == .resp3 ? "~" : "*", count: elements.count, elements, to: &buffer, version: version)
        case .push(let elements):
            writeAggregate(version == .resp3 ? ">" : "*", count: elements.count, elements, to: &buffer, version: version)
        }
    }

    private func writeAggregate(_ marker: Unicode.Scalar, count: Int, _ elements: [RESPValue], to buffer: inout ByteBuffer,
                                version: RESPVersion) {
        buffer.writeInteger(UInt8(ascii: marker))
        buffer.writeDecimal(count)
        buffer.writeCRLF()
        for element in elements { element.write(to: &buffer, version: version) }
    }

    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator(), version: RESPVersion = .resp2) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64)
        write(to: &buffer, version: version)
        return buffer
    }
}

extension ByteBuffer {
    /// `$<length>\r\n<payload>\r\n`.
    public mutating func writeRESPBulkString(_ payload: ByteBuffer) {
        writeInteger(UInt8(ascii: "$"))
        writeDecimal(payload.readableBytes)
        writeCRLF()
        writeImmutableBuffer(payload)
        writeCRLF()
    }

    /// The most bytes `writeRESPBulkString` adds to a payload: `$`, 20 digits, two CRLFs.
    public static let respBulkStringOverhead = 25

    @inlinable
    mutating func writeCRLF() {
        writeInteger(UInt16(0x0D0A))
    }

    /// `value` in decimal, without a `String` on the way: every reply carries a length or a count.
    mutating func writeDecimal(_ value: Int) {
        if value >= 0, value < 10 {
            writeInteger(UInt8(ascii: "0") + UInt8(value))
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var magnitude = value.magnitude
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 { writeInteger(UInt8(ascii: "-")) }
            writeBytes(UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }
}
