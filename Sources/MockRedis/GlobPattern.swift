/// Redis's glob (`stringmatchlen` in `util.c`), for PSUBSCRIBE, PUBSUB CHANNELS and KEYS: `*`
/// any run of bytes, `?` one byte, `[abc]`, `[^abc]`, `[a-z]` a set, `\x` the byte x. Bytes, not
/// characters, as in Redis.
struct GlobPattern: Sendable, Hashable {
    let bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }
    init(_ text: String) { self.bytes = Array(text.utf8) }

    /// Matches with one backtracking point, the last `*` seen: linear for practical patterns,
    /// never exponential (Redis guards its recursive version with a nesting limit instead).
    func matches(_ subject: some Collection<UInt8>) -> Bool {
        let text = Array(subject)
        var p = 0, t = 0
        var starP = -1, starT = 0
        while t < text.count {
            if p < bytes.count, bytes[p] == UInt8(ascii: "*") {
                while p < bytes.count, bytes[p] == UInt8(ascii: "*") { p += 1 }
                if p == bytes.count { return true }
                starP = p
                starT = t
                continue
            }
            if p < bytes.count, let length = matchOne(at: p, text[t]) {
                p += length
                t += 1
                continue
            }
            guard starP >= 0 else { return false }
            starT += 1
            t = starT
            p = starP
        }
        while p < bytes.count, bytes[p] == UInt8(ascii: "*") { p += 1 }
        return p == bytes.count
    }

    /// Whether the pattern element at `p` matches `byte`; the element's length when it does.
    private func matchOne(at p: Int, _ byte: UInt8) -> Int? {
        switch bytes[p] {
        case UInt8(ascii: "?"):
            return 1
        case UInt8(ascii: "\\") where p + 1 < bytes.count:
            return bytes[p + 1] == byte ? 2 : nil
        case UInt8(ascii: "["):
            return matchSet(at: p, byte)
        default:
            return bytes[p] == byte ? 1 : nil
        }
    }

    private func matchSet(at start: Int, _ byte: UInt8) -> Int? {
        var p = start + 1
        let negated = p < bytes.count && bytes[p] == UInt8(ascii: "^")
        if negated { p += 1 }
        var matched = false
        while p < bytes.count, bytes[p] != UInt8(ascii: "]") {
            if bytes[p] == UInt8(ascii: "\\"), p + 1 < bytes.count {
                if bytes[p + 1] == byte { matched = true }
                p += 2
            } else if p + 2 < bytes.count, bytes[p + 1] == UInt8(ascii: "-"), bytes[p + 2] != UInt8(ascii: "]") {
                let (low, high) = (min(bytes[p], bytes[p + 2]), max(bytes[p], bytes[p + 2]))
                if (low...high).contains(byte) { matched = true }
                p += 3
            } else {
                if bytes[p] == byte { matched = true }
                p += 1
            }
        }
        // An unterminated set ends with the pattern, as in Redis.
        let length = (p < bytes.count ? p + 1 : p) - start
        return matched != negated ? length : nil
    }
}
