import NIOCore

/// Checks UTF-8 as it arrives, fragment by fragment (RFC 3629): a text message is refused at
/// the first byte that cannot be part of valid UTF-8, not only once it is complete, so that
/// a peer streaming garbage is cut off early (RFC 6455, 8.1).
public struct UTF8Validator: Sendable {
    /// Continuation bytes still expected by the character begun.
    private var remaining = 0
    /// Range of the next continuation byte (narrower after E0, ED, F0 and F4).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    public init() {}

    /// Whether the input so far ends between characters.
    public var isComplete: Bool { remaining == 0 }

    /// Takes the next bytes; false as soon as they cannot be UTF-8.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            // Text is mostly ASCII: eight bytes at a time while no character is open.
            if remaining == 0 {
                while index + 8 <= count, bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                }
                guard index < count else { break }
            }
            let byte = bytes[index]
            index += 1
            if remaining > 0 {
                guard byte >= lower, byte <= upper else { return false }
                remaining -= 1
                (lower, upper) = (0x80, 0xBF)
                continue
            }
            switch byte {
            case 0x00...0x7F: continue
            case 0xC2...0xDF: remaining = 1
            case 0xE0: (remaining, lower) = (2, 0xA0)
            case 0xE1...0xEC, 0xEE...0xEF: remaining = 2
            case 0xED: (remaining, upper) = (2, 0x9F)  // no UTF-16 surrogates
            case 0xF0: (remaining, lower) = (3, 0x90)
            case 0xF1...0xF3: remaining = 3
            case 0xF4: (remaining, upper) = (3, 0x8F)  // nothing past U+10FFFF
            default: return false
            }
        }
        return true
    }

    public mutating func feed(_ buffer: ByteBuffer) -> Bool {
        buffer.withUnsafeReadableBytes { feed($0) }
    }

    /// Whether `bytes` are whole, valid UTF-8.
    public static func isValid(_ buffer: ByteBuffer) -> Bool {
        var validator = UTF8Validator()
        return validator.feed(buffer) && validator.isComplete
    }

    public static func isValid(_ bytes: [UInt8]) -> Bool {
        var validator = UTF8Validator()
        return bytes.withUnsafeBytes { validator.feed($0) } && validator.isComplete
    }
}
