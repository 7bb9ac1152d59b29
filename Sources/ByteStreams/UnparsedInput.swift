import NIOCore

/// The start of a message whose end has not arrived yet (a RESP command, a WebSocket frame),
/// joined with the bytes of the next read. Handlers that parse in place keep one.
public struct UnparsedInput: Sendable {
    private var remainder: ByteBuffer?

    public init() {}

    /// `input`, after what the last read left.
    public mutating func join(_ input: ByteBuffer) -> ByteBuffer {
        guard var joined = remainder else { return input }
        // Let go first, so that appending does not copy.
        remainder = nil
        var input = input
        joined.writeBuffer(&input)
        return joined
    }

    /// Keeps what `input` has left to read, for the next read.
    public mutating func keep(_ input: ByteBuffer) {
        remainder = input.readableBytes > 0 ? input.remainderToKeep() : nil
    }

    public mutating func discard() {
        remainder = nil
    }
}

extension ByteBuffer {
    /// What is left to read, fit to keep until the rest of it arrives: the bytes already read
    /// are dropped, and a small remainder of a big buffer (the end of a pipeline after a huge
    /// command) moves to a buffer of its own rather than pin the big one.
    public func remainderToKeep() -> ByteBuffer {
        if capacity > 64 * 1024, readableBytes * 4 < capacity {
            return ByteBuffer(bytes: readableBytesView)
        }
        var remainder = self
        remainder.discardReadBytes()
        return remainder
    }
}
