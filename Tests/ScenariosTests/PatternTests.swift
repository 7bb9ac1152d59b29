import Messages
import Testing

@testable import Scenarios

@Suite("patterns")
struct PatternTests {
    static let meterValue: JSONValue = [
        "type": "session_update", "session_id": 456, "transaction_id": 789, "event": "meter_value",
        "data": ["charger_id": "CP001", "connector_id": 1, "energy_delivered": 5.5, "power": 7.2, "meter_value": 5500, "timestamp": "2025-01-29T12:05:00Z"],
        "timestamp": "2025-01-29T12:05:00Z",
    ]

    static func mismatch(_ pattern: Pattern, _ value: JSONValue?, variables: Variables = Variables()) -> Pattern.Mismatch? {
        var captures: [String: JSONValue] = [:]
        return pattern.match(value, variables: variables, captures: &captures)
    }

    @Test func objectsMatchAsASubset() {
        let pattern: Pattern = .object(["type": .literal("session_update"), "data": .object(["energy_delivered": .number, "timestamp": .timestamp])])
        #expect(Self.mismatch(pattern, Self.meterValue) == nil)
    }

    @Test func aMismatchNamesThePathAndBothValues() {
        let pattern: Pattern = .object(["data": .object(["power": .between(10.9, 11.1)])])
        let mismatch = Self.mismatch(pattern, Self.meterValue)
        #expect(mismatch?.path == "data.power")
        #expect(mismatch?.description == "data.power: expected a number from 10.9 to 11.1, got 7.2")
        #expect(Self.mismatch(.object(["event": .literal("session_started")]), Self.meterValue)?.description
            == #"event: expected "session_started", got "meter_value""#)
    }

    @Test func anAbsentKeyIsItsOwnMismatch() {
        #expect(Self.mismatch(.object(["error": .absent]), Self.meterValue) == nil)
        #expect(Self.mismatch(.object(["event": .absent]), Self.meterValue)?.path == "event")
        #expect(Self.mismatch(.object(["missing": .number]), Self.meterValue)?.actual == "nothing (the key is absent)")
    }

    @Test func capturesAreKeptAndReusedThroughVariables() {
        var captures: [String: JSONValue] = [:]
        #expect(Pattern.object(["session_id": .capture("session_id", .integer)]).match(Self.meterValue, variables: Variables(), captures: &captures) == nil)
        #expect(captures == ["session_id": 456])
        let variables = Variables(captures)
        #expect(Self.mismatch(.object(["session_id": .literal("${session_id}")]), Self.meterValue, variables: variables) == nil)
        #expect(Self.mismatch(.object(["session_id": .literal("${session_id}")]), ["session_id": 457], variables: variables) != nil)
        #expect(variables.interpolate("session ${session_id} of ${nobody}") == "session 456 of ${nobody}")
    }

    @Test func typeMatchersAreStrict() {
        #expect(Self.mismatch(.integer, 5) == nil)
        #expect(Self.mismatch(.integer, 5.5) != nil)
        #expect(Self.mismatch(.number, "5") != nil)
        #expect(Self.mismatch(.string, 5) != nil)
        #expect(Self.mismatch(.bool, true) == nil)
        #expect(Self.mismatch(.timestamp, "2025-01-29T12:05:00Z") == nil)
        #expect(Self.mismatch(.timestamp, "yesterday") != nil)
        #expect(Self.mismatch(.any, .null) == nil)
    }

    @Test func rangesRegexesAndChoices() {
        #expect(Self.mismatch(.atLeast(3), 3) == nil)
        #expect(Self.mismatch(.atMost(3), 3.01) != nil)
        #expect(Self.mismatch(.regex("^CP0\\d+$"), "CP001") == nil)
        #expect(Self.mismatch(.regex("^CP0\\d+$"), "XCP001") != nil)
        #expect(Self.mismatch(.oneOf([.literal("Charging"), .literal("SuspendedEV")]), "SuspendedEV") == nil)
        #expect(Self.mismatch(.oneOf([.literal("Charging"), .literal("SuspendedEV")]), "Faulted") != nil)
    }

    @Test func arraysMatchByPlaceOrByContaining() {
        let chargers: JSONValue = [["charger_id": "CP001"], ["charger_id": "CP002"]]
        #expect(Self.mismatch(.contains(.object(["charger_id": .literal("CP002")])), chargers) == nil)
        #expect(Self.mismatch(.contains(.object(["charger_id": .literal("CP009")])), chargers) != nil)
        #expect(Self.mismatch(.array([.object(["charger_id": .literal("CP001")]), .any]), chargers) == nil)
        #expect(Self.mismatch(.array([.any]), chargers) != nil)
    }

    @Test func junitEscapesWhatXMLCannotHold() {
        #expect(ScenarioReport.escape("a < b & \"c\" 'd' \u{1B}[31m") == "a &lt; b &amp; &quot;c&quot; &apos;d&apos; [31m")
    }
}
