import Testing

@testable import ServiceRuntime

/// When the memory of departed connections goes back to the system.
@Suite("memory return")
struct MemoryReturnTests {
    @Test func aDropFromThePeakTrims() {
        let memory = MemoryReturn(threshold: 256)
        #expect(!memory.check(connected: 1000))
        #expect(!memory.check(connected: 800))
        #expect(memory.check(connected: 700))
        // The peak starts again from there.
        #expect(!memory.check(connected: 600))
    }

    /// Refused handshakes never count as connected, yet their memory was used and freed.
    @Test func aBurstOfShortLivedConnectionsTrimsOnceItIsOver() {
        let memory = MemoryReturn(threshold: 256, quietChecks: 2)
        for _ in 0..<300 { memory.noteAccepted() }
        #expect(!memory.check(connected: 0))  // still accepting
        #expect(!memory.check(connected: 0))  // quiet for one check
        #expect(memory.check(connected: 0))  // quiet for two: the burst is over
        #expect(!memory.check(connected: 0))  // once
        // A burst smaller than the threshold is not worth a trim.
        for _ in 0..<100 { memory.noteAccepted() }
        for _ in 0..<5 { #expect(!memory.check(connected: 0)) }
    }
}
