import NIOCore

/// A RESP2 value, as Redis writes replies and clients write commands.
public enum RESPValue: Sendable, Equatable {
    case simpleString(String)
    case error(String)
    case integer(Int)
    /// nil is the null bulk string (`$-1`).
    case bulkString(ByteBuffer?)
    /// nil is the null array (`*-1`).
    case array([RESPValue]?)

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

    public var array: [RESPValue]? {
        if case .array(let values?) = self { return values }
        return nil
    }
}

extension RESPValue {
    /// Appends the wire form.
    public func write(to buffer: inout ByteBuffer) {
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
            buffer.writeString(String(value))
            buffer.writeCRLF()
        case .bulkString(nil):
            buffer.writeStaticString("$-1\r\n")
        case .bulkString(let payload?):
            buffer.writeInteger(UInt8(ascii: "$"))
            buffer.writeString(String(payload.readableBytes))
            buffer.writeCRLF()
            buffer.writeImmutableBuffer(payload)
            buffer.writeCRLF()
        case .array(nil):
            buffer.writeStaticString("*-1\r\n")
        case .array(let elements?):
            buffer.writeInteger(UInt8(ascii: "*"))
            buffer.writeString(String(elements.count))
            buffer.writeCRLF()
            for element in elements { element.write(to: &buffer) }
        }
    }

    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 64)
        write(to: &buffer)
        return buffer
    }
}

extension ByteBuffer {
    @inlinable
    mutating func writeCRLF() {
        writeInteger(UInt16(0x0D0A))
    }
}
