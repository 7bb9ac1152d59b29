import Testing

@testable import MockRedis

@Suite("glob patterns")
struct GlobPatternTests {
    @Test("matches as Redis's stringmatchlen", arguments: [
        ("*", "", true), ("*", "anything", true), ("user:*", "user:1:notifications", true), ("user:*", "users", false),
        ("user:?:x", "user:1:x", true), ("user:?:x", "user:12:x", false), ("h[ae]llo", "hello", true), ("h[ae]llo", "hillo", false),
        ("h[^e]llo", "hallo", true), ("h[^e]llo", "hello", false), ("h[a-b]llo", "hbllo", true), ("h[b-a]llo", "hallo", true),
        ("h[a-b]llo", "hcllo", false), ("a\\*b", "a*b", true), ("a\\*b", "axb", false), ("*:session_updates", "user:9:session_updates", true),
        ("a*b*c", "abxbc", true), ("a*b*c", "abxbd", false), ("**x", "x", true), ("[\\]]", "]", true), ("ab", "abc", false),
    ] as [(String, String, Bool)])
    func matches(_ example: (pattern: String, subject: String, expected: Bool)) {
        #expect(GlobPattern(example.pattern).matches(Array(example.subject.utf8)) == example.expected, "\(example.pattern) ~ \(example.subject)")
    }

    @Test func pathologicalPatternsStayLinear() {
        let pattern = GlobPattern(String(repeating: "a*", count: 30) + "b")
        let subject = Array(String(repeating: "a", count: 5000).utf8)
        #expect(!pattern.matches(subject))
    }
}
