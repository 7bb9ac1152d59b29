import Foundation
import Testing

@testable import HopTrace

@Suite("W3C traceparent")
struct TraceParentTests {
    @Test func readsTheSpecsExampleAndWritesItBack() throws {
        let header = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        let parent = try #require(TraceParent(header))
        #expect(parent.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(parent.spanID == "00f067aa0ba902b7")
        #expect(parent.flags == 1)
        #expect(parent.description == header)
        // The bytes a request writes without a string are the same.
        #expect(parent.withHeaderValue { String(decoding: $0, as: UTF8.self) } == header)
    }

    @Test(arguments: [
        "", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // all-zero span id
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // version ff is invalid
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", // uppercase
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", // version 00 has no more fields
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
        "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",
    ])
    func refusesWhatTheSpecificationRefuses(header: String) {
        #expect(TraceParent(header) == nil)
    }

    @Test func aLaterVersionMayAddFields() throws {
        let parent = try #require(TraceParent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-future"))
        #expect(parent.flags == 0)
        #expect(parent.description == "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
    }

    @Test func aGivenTraceIdIsHexDigitsOrAWholeTraceparent() {
        #expect(TraceParent.traceID(given: "4BF92F3577B34DA6A3CE929D0E0E4736") == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(TraceParent.traceID(given: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01") == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(TraceParent.traceID(given: "4bf92f3577b34da6a3ce929d0e0e473") == nil)
        #expect(TraceParent.traceID(given: "zzf92f3577b34da6a3ce929d0e0e4736") == nil)
        #expect(TraceParent.traceID(given: "") == nil)
    }

    @Test func aChildKeepsTheTraceAndFlagsWithANewSpan() throws {
        let root = TraceParent.random()
        #expect(TraceParent(root.description) == root)
        let child = root.child()
        #expect(child.traceID == root.traceID)
        #expect(child.flags == root.flags)
        #expect(child.spanID != root.spanID)
        #expect(TraceParent.random().traceID != root.traceID)
    }

    @Test func newIdsAreValidAndDoNotRepeat() throws {
        var traces = Set<String>(), spans = Set<String>()
        for _ in 0..<10_000 {
            let trace = TraceParent.random()
            // What it writes, it reads back: 32 and 16 lowercase hex digits, not all zero.
            #expect(TraceParent(trace.description) == trace)
            traces.insert(trace.traceID)
            spans.insert(trace.child().spanID)
        }
        #expect(traces.count == 10_000)
        #expect(spans.count == 10_000)
        #expect(TraceParent.hex(0x0123_4567_89ab_cdef) == "0123456789abcdef")
        #expect(TraceParent.hex(0xf) == "000000000000000f")
    }
}

@Suite("hop records")
struct TraceRecorderTests {
    static func hop(_ name: String, trace: String = "4bf92f3577b34da6a3ce929d0e0e4736", span: String, parent: String? = nil,
                    program: String = "gateway", at ms: Double, failed: Bool = false, digest: String? = nil) -> HopRecord {
        HopRecord(traceID: trace, spanID: span, parentSpanID: parent, program: program, name: name,
                  startedAt: Date(timeIntervalSince1970: ms / 1000), duration: 0.001, failed: failed, digest: digest)
    }

    @Test func theRingKeepsTheNewestRecords() {
        let recorder = TraceRecorder(program: "gateway", capacity: 3)
        for index in 0..<5 {
            recorder.record(Self.hop("hop \(index)", span: "000000000000000\(index + 1)", at: Double(index)))
        }
        #expect(recorder.report(traceID: "4bf92f3577b34da6a3ce929d0e0e4736").hops.map(\.name) == ["hop 2", "hop 3", "hop 4"])
    }

    @Test func aReportHasItsTraceAndThePushesOfItsDigests() {
        let recorder = TraceRecorder(program: "gateway", capacity: 10)
        recorder.record(Self.hop("action", span: "0000000000000001", at: 1))
        recorder.record(Self.hop("other", trace: "11111111111111111111111111111111", span: "0000000000000002", at: 2))
        recorder.record(Self.hop("push user:1:notifications", trace: "", span: "0000000000000003", at: 3, digest: "abc"))
        #expect(recorder.report(traceID: "4bf92f3577b34da6a3ce929d0e0e4736").hops.map(\.name) == ["action"])
        #expect(recorder.report(traceID: "4bf92f3577b34da6a3ce929d0e0e4736", digests: ["abc"]).hops.map(\.name)
            == ["action", "push user:1:notifications"])
    }

    @Test func theEndpointAnswersLikeTheOtherHTTPErrors() throws {
        #expect(TraceEndpoint.answer(path: "/health", query: nil, recorder: nil) == nil)
        #expect(TraceEndpoint.answer(path: "/debug/traces/4bf92f3577b34da6a3ce929d0e0e4736", query: nil, recorder: nil)?.status == 404)
        let recorder = TraceRecorder(program: "mock-backend", capacity: 10)
        #expect(TraceEndpoint.answer(path: "/debug/traces/XYZ", query: nil, recorder: recorder)?.status == 422)
        recorder.record(Self.hop("POST /api/cms/events", span: "0000000000000001", program: "mock-backend", at: 5))
        let answer = try #require(TraceEndpoint.answer(path: "/debug/traces/4bf92f3577b34da6a3ce929d0e0e4736", query: "digests=a,b", recorder: recorder))
        #expect(answer.status == 200)
        let report = try JSONDecoder().decode(TraceReport.self, from: Data(answer.body.utf8))
        #expect(report.program == "mock-backend")
        #expect(report.hops.map(\.name) == ["POST /api/cms/events"])
        #expect(answer.body.contains(#""started_at_ms":5"#))
    }
}

@Suite("cross-hop timeline")
struct TraceTimelineTests {
    typealias Hop = TraceRecorderTests

    @Test func reportsMergeInTimeOrderAndAHopAskedTwiceCountsOnce() {
        let action = Hop.hop("action start_charging from user 123", span: "0000000000000001", at: 10)
        let call = Hop.hop("POST /api/websocket/message", span: "0000000000000002", parent: "0000000000000001", at: 11)
        let backend = Hop.hop("POST /api/websocket/message", span: "0000000000000003", parent: "0000000000000002", program: "mock-backend", at: 12)
        let timeline = TraceTimeline(traceID: action.traceID, reports: [
            TraceReport(traceID: action.traceID, program: "mock-backend", hops: [backend]),
            TraceReport(traceID: action.traceID, program: "gateway", hops: [call, action]),
            TraceReport(traceID: action.traceID, program: "gateway", hops: [action]),
        ])
        #expect(timeline.hops == [action, call, backend])
        #expect(timeline.firstFailure == nil)
        #expect(timeline.lines().dropFirst().allSatisfy { $0.hasPrefix(" ") })
        #expect(timeline.lines()[3].contains("+2.0 ms  mock-backend  POST /api/websocket/message"))
    }

    @Test func theHopThatWentWrongIsTheCallNotTheActionItFailed() throws {
        let action = Hop.hop("action start_charging from user 123", span: "0000000000000001", at: 10, failed: true)
        let call = Hop.hop("POST /api/websocket/message", span: "0000000000000002", parent: "0000000000000001", at: 11, failed: true)
        let publish = Hop.hop("PUBLISH user:123:notifications", span: "0000000000000003", program: "mock-backend", at: 12, digest: "d1")
        let timeline = TraceTimeline(traceID: action.traceID, reports: [TraceReport(traceID: action.traceID, program: "x", hops: [action, call, publish])])
        #expect(timeline.firstFailure == call)
        let lines = timeline.lines()
        #expect(lines[1].hasPrefix("!"))
        #expect(lines[2].hasPrefix("✗"))
        #expect(lines[3].hasPrefix(" "))
        #expect(timeline.publishedDigests == ["d1"])
    }

    @Test func aTraceNobodyRecordedSaysSo() {
        #expect(TraceTimeline(traceID: "4bf92f3577b34da6a3ce929d0e0e4736", reports: []).lines()
            == ["trace 4bf92f3577b34da6a3ce929d0e0e4736: no program recorded it"])
    }

    @Test func aPayloadsDigestIsStable() {
        // FNV-1a 64 of "a", the published reference value.
        #expect(PayloadDigest.of(Array("a".utf8)) == "af63dc4c8601ec8c")
        #expect(PayloadDigest.of([UInt8]()) == "cbf29ce484222325")
    }
}
