import NIOCore
import NIOWebSocket

/// RFC 6455 masking (5.3), eight bytes at a time. NIO's `webSocketUnmask` goes byte by byte,
/// which in a debug build takes most of a second for a 4 MB message: long enough for a peer's
/// close timeout to run out while the gateway is still reading.
enum PayloadMasking {
    /// XORs `buffer`'s readable bytes with `key` (its four bytes in network order, as they
    /// come in the frame), repeated from the first byte.
    static func apply(_ key: UInt32, to buffer: inout ByteBuffer) {
        func keyByte(_ index: Int) -> UInt8 { UInt8(truncatingIfNeeded: key >> (24 - 8 * UInt32(index % 4))) }
        buffer.withUnsafeMutableReadableBytes { bytes in
            let count = bytes.count
            guard count > 0, let base = bytes.baseAddress else { return }
            // The key laid out as eight bytes in memory order, so that one XOR of a loaded
            // word masks eight payload bytes whatever the machine's byte order.
            var pattern: UInt64 = 0
            withUnsafeMutableBytes(of: &pattern) { word in
                for index in 0..<8 { word[index] = keyByte(index) }
            }
            var offset = 0
            while offset + 8 <= count {
                let word = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                base.storeBytes(of: word ^ pattern, toByteOffset: offset, as: UInt64.self)
                offset += 8
            }
            while offset < count {
                bytes[offset] ^= keyByte(offset)
                offset += 1
            }
        }
    }
}
