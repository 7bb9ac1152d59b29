import NIOCore

/// Splits an inline command line into arguments as Redis's `sdssplitargs` does: whitespace
/// separates; "double quotes" take `\n`, `\r`, `\t`, `\b`, `\a`, `\xHH` and `\<char>`;
/// 'single quotes' take `\'`; a closing quote must be followed by a space or the end.
enum InlineArguments {
    /// nil when the quotes do not balance.
    static func split(_ line: some Collection<UInt8>) -> [ByteBuffer]? {
        let bytes = Array(line)
        var arguments: [ByteBuffer] = []
        var index = 0
        while true {
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            guard index < bytes.count else { return arguments }
            var current: [UInt8] = []
            var inDouble = false, inSingle = false, done = false
            while !done {
                guard index < bytes.count else {
                    if inDouble || inSingle { return nil }
                    break
                }
                let byte = bytes[index]
                if inDouble {
                    if byte == UInt8(ascii: "\\"), index + 3 < bytes.count, bytes[index + 1] == UInt8(ascii: "x"),
                       let high = hexValue(bytes[index + 2]), let low = hexValue(bytes[index + 3]) {
                        current.append(high << 4 | low)
                        index += 3
                    } else if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                        index += 1
                        switch bytes[index] {
                        case UInt8(ascii: "n"): current.append(0x0A)
                        case UInt8(ascii: "r"): current.append(0x0D)
                        case UInt8(ascii: "t"): current.append(0x09)
                        case UInt8(ascii: "b"): current.append(0x08)
                        case UInt8(ascii: "a"): current.append(0x07)
                        default: current.append(bytes[index])
                        }
                    } else if byte == UInt8(ascii: "\"") {
                        // The closing quote must end the argument.
                        if index + 1 < bytes.count, !isSpace(bytes[index + 1]) { return nil }
                        done = true
                    } else {
                        current.append(byte)
                    }
                } else if inSingle {
                    if byte == UInt8(ascii: "\\"), index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "'") {
                        current.append(UInt8(ascii: "'"))
                        index += 1
                    } else if byte == UInt8(ascii: "'") {
                        if index + 1 < bytes.count, !isSpace(bytes[index + 1]) { return nil }
                        done = true
                    } else {
                        current.append(byte)
                    }
                } else {
                    switch byte {
                    case _ where isSpace(byte): done = true
                    case UInt8(ascii: "\""): inDouble = true
                    case UInt8(ascii: "'"): inSingle = true
                    default: current.append(byte)
                    }
                }
                index += 1
            }
            arguments.append(ByteBuffer(bytes: current))
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
