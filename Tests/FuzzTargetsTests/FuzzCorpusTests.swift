import Foundation
import Testing

@testable import FuzzTargets

/// Every fuzz target over its checked-in seeds and regressions: an input that once broke a
/// target (a crash, or a property that did not hold) breaks this test if the bug comes back.
@Suite("fuzz corpus and regressions")
struct FuzzCorpusTests {
    static let fuzzFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz")

    @Test("replays the seeds and regressions", arguments: FuzzTarget.all.map(\.name))
    func replay(target name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let seeds = FuzzCorpus.files(at: Self.fuzzFolder.appendingPathComponent("corpus/\(name)"))
        let regressions = FuzzCorpus.files(at: Self.fuzzFolder.appendingPathComponent("regressions/\(name)"))
        #expect(!seeds.isEmpty, "no seeds for \(name)")
        for file in seeds + regressions {
            try Data(contentsOf: file).withUnsafeBytes { target.run($0) }
        }
    }

    @Test func theJSONComparisonTellsNumbersBooleansAndStringsApart() throws {
        let parsed = try #require(try? JSONSerialization.jsonObject(with: Data(#"[true,1,1.5,"1"]"#.utf8)) as? [Any])
        #expect(FuzzTarget.agrees(.array([.bool(true), .int(1), .double(1.5), .string("1")]), parsed))
        #expect(!FuzzTarget.agrees(.array([.int(1), .int(1), .double(1.5), .string("1")]), parsed))
        #expect(!FuzzTarget.agrees(.array([.bool(true), .bool(true), .double(1.5), .string("1")]), parsed))
        #expect(!FuzzTarget.agrees(.array([.bool(true), .int(1), .double(1.5), .int(1)]), parsed))
    }
}
