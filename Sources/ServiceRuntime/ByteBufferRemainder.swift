import NIOCore

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
