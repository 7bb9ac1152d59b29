/// Redis Cluster's key slots: CRC16 (XMODEM) of the key, or of its hash tag (the bytes
/// between the first `{` and the next `}`, when not empty), modulo 16,384.
public enum HashSlot {
    public static let count = 16_384

    public static func of(_ key: some Collection<UInt8>) -> Int {
        Int(crc16(hashed(key)) & UInt16(count - 1))
    }

    public static func of(_ key: String) -> Int {
        var key = key
        return key.withUTF8 { of($0) }
    }

    /// The part of the key that is hashed: the hash tag when there is one.
    static func hashed<Key: Collection<UInt8>>(_ key: Key) -> Key.SubSequence {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")) else { return key[...] }
        let afterOpen = key.index(after: open)
        guard let close = key[afterOpen...].firstIndex(of: UInt8(ascii: "}")), close != afterOpen else { return key[...] }
        return key[afterOpen..<close]
    }

    static func crc16(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0
        for byte in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ byte)]
        }
        return crc
    }

    /// Polynomial 0x1021, as Redis's `crc16.c`.
    private static let table: [UInt16] = (0..<256).map { index in
        var crc = UInt16(index) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }
}
