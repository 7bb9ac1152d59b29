import NIOCore

/// Sizes the buffers a socket reads into, as NIO's `AdaptiveRecvByteBufferAllocator` does
/// (double when a read fills the buffer, halve after two reads that would fit in half), in
/// eight bytes.
///
/// A channel keeps its allocator as `any RecvByteBufferAllocator`; NIO's adaptive one does not
/// fit in an existential's inline storage, so each socket's first read boxed a copy of it:
/// 48 bytes more for every idle socket.
struct SocketReceiveSizer: RecvByteBufferAllocator {
    static let minimum: UInt32 = 64
    static let maximum: UInt32 = 65_536

    private var size: UInt32
    private var shrinkNext = false

    /// `initial` fits an upgrade request with its token in most cases.
    init(initial: Int = 256) {
        size = min(Self.maximum, max(Self.minimum, UInt32(clamping: initial)))
    }

    func buffer(allocator: ByteBufferAllocator) -> ByteBuffer {
        allocator.buffer(capacity: Int(size))
    }

    func nextBufferSize() -> Int? { Int(size) }

    mutating func record(actualReadBytes: Int) -> Bool {
        if actualReadBytes >= Int(size), size < Self.maximum {
            // Big steps: an upgrade request with a long token takes two reads, not three.
            size = min(Self.maximum, size * 2)
            shrinkNext = false
            return true
        }
        if actualReadBytes <= Int(size) / 2, size > Self.minimum {
            if shrinkNext { size = max(Self.minimum, size / 2) }
            shrinkNext.toggle()
        } else {
            shrinkNext = false
        }
        return false
    }
}
