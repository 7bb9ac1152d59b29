import Foundation
import Messages
import Testing

@testable import Scenarios

@Suite("scenario files")
struct ScenarioLoaderTests {
    static func fixture(_ name: String) -> String {
        Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil)!.path
    }

    /// The error a malformed file gets, or a test failure when it loads.
    static func error(_ yaml: String) -> ScenarioFileError? {
        do {
            _ = try ScenarioLoader.parse(yaml, file: "bad.yaml")
            Issue.record("the file loaded")
            return nil
        } catch let error as ScenarioFileError {
            return error
        } catch {
            Issue.record("not a ScenarioFileError: \(error)")
            return nil
        }
    }

    @Test func aFixtureLoadsWithItsStepsPlacesAndCaptures() throws {
        let scenario = try ScenarioLoader.load(paths: [Self.fixture("start-and-meter.yaml")])[0]
        #expect(scenario.name == "start, three meter values, stop")
        #expect(scenario.phones == [PhoneSpec(name: "alice", credentials: .minted(userID: 123, ttl: 86_400), location: scenario.phones[0].location)])
        #expect(scenario.steps.count == 5)
        #expect(scenario.steps[1].location.line == 6)
        guard case .send(let send) = scenario.steps[1].action else { Issue.record("not a send"); return }
        #expect(send.action == "start_charging")
        #expect(send.data == ["charger_id": "CP001", "connector_id": 1])
        #expect(send.expect == .object(["data": .object(["success": .literal(true), "session_id": .capture("session_id", .any)])]))
        guard case .expect(let expect) = scenario.steps[2].action else { Issue.record("not an expect"); return }
        #expect(expect.atLeast == 3)
        #expect(expect.within == 300)
        #expect(scenario.clock == ClockSetting(paused: true, speed: 60))
    }

    @Test func aFolderLoadsItsYAMLFilesByName() throws {
        let folder = (Self.fixture("start-and-meter.yaml") as NSString).deletingLastPathComponent
        let names = try ScenarioLoader.load(paths: [folder]).map { ($0.file as NSString).lastPathComponent }
        #expect(names == names.sorted())
        #expect(names.contains("failing-expectation.yaml") && names.contains("start-and-meter.yaml"))
    }

    @Test func aRunningStackIsReadWithItsURLsFromTheEnvironment() throws {
        let yaml = """
            name: against staging
            stack:
              gateway: ${GATEWAY_URL}
              backend: https://${BACKEND_HOST}/
              jwt_secret: ${JWT_SECRET}
              reset: false
            steps:
              - advance: 1m
            """
        let environment = ["GATEWAY_URL": "wss://gw.example.test", "BACKEND_HOST": "api.example.test", "JWT_SECRET": "s3"]
        let scenario = try ScenarioLoader.parse(yaml, file: "staging.yaml", environment: environment)
        var expected = RunningStack(gateway: "wss://gw.example.test", backend: "https://api.example.test/")
        (expected.jwtSecret, expected.reset) = ("s3", false)
        #expect(scenario.stack == .running(expected))
        #expect(try ScenarioLoader.parse("name: x\nstack: local\nsteps: [{advance: 1m}]", file: "x.yaml").stack == .local)
        #expect(try ScenarioLoader.parse("name: x\nsteps: [{advance: 1m}]", file: "x.yaml").stack == .local)

        do {
            _ = try ScenarioLoader.parse(yaml, file: "staging.yaml", environment: [:])
            Issue.record("loaded without GATEWAY_URL")
        } catch let error as ScenarioFileError {
            #expect(error.location == SourceLocation(file: "staging.yaml", line: 3, column: 12))
            #expect(error.message.contains("GATEWAY_URL is not set in the environment"))
        }
    }

    @Test(arguments: [
        ("stack: remote", "expected the stack: local, or {gateway"),
        ("stack: { gateway: http://x, backend: http://y }", "expected the gateway's URL (ws:// or wss://...), found http://x"),
        ("stack: { gateway: ws://x }", "expected the running stack's `gateway:` and `backend:` URLs"),
        ("stack: { gateway: ws://x, backend: http://y, simulator: http://z }", "unknown key `simulator` in the stack"),
    ])
    func aBadStackSaysWhatWasExpected(line: String, message: String) {
        let error = Self.error("name: x\n\(line)\nsteps: [{advance: 1m}]")
        #expect(error?.location.line == 2)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test func anUnknownKeyIsPlacedAndCorrected() {
        let error = Self.error("""
            name: typo
            phones:
              alice: { user: 123 }
            steps:
              - open: alice
              - expect: { phone: alice, mesage: { type: notification } }
            """)
        #expect(error?.location == SourceLocation(file: "bad.yaml", line: 6, column: 29))
        #expect(error?.message.contains("unknown key `mesage` in expect (did you mean `message`?)") == true)
    }

    @Test func anUndeclaredPhoneIsRefused() {
        let error = Self.error("""
            name: who
            phones:
              alice: { user: 123 }
            steps:
              - open: bob
            """)
        #expect(error?.location.line == 5)
        #expect(error?.message == "no phone named bob (declared: alice)")
    }

    @Test func aWrongTypeSaysWhatWasExpected() {
        let error = Self.error("""
            name: types
            phones:
              alice: { user: not-a-number }
            steps:
              - open: alice
            """)
        #expect(error?.location.line == 3)
        #expect(error?.message.contains("the user id") == true)
    }

    @Test func anUnknownMatcherListsTheKnownOnes() {
        let error = Self.error("""
            name: matchers
            phones:
              alice: { user: 123 }
            steps:
              - expect: { phone: alice, message: { power: !decimal 7 } }
            """)
        #expect(error?.location.line == 5)
        #expect(error?.message.hasPrefix("unknown matcher !decimal (known: !any, !number") == true)
    }

    @Test func brokenYAMLIsPlaced() {
        let error = Self.error("name: broken\nsteps:\n  - open: [alice\n")
        #expect(error?.message.hasPrefix("not valid YAML") == true)
        #expect((error?.location.line ?? 0) >= 3)
    }

    @Test func aScenarioWithoutStepsIsRefused() {
        #expect(Self.error("name: empty\nphones: {}\n")?.message.hasPrefix("expected `steps:`") == true)
        #expect(Self.error("")?.message.hasPrefix("the file is empty") == true)
    }

    @Test func aStepDoesOneThing() {
        let error = Self.error("""
            name: two
            phones:
              alice: { user: 123 }
            steps:
              - open: alice
                close: alice
            """)
        #expect(error?.message == "one step does one thing: `open` and `close` are two steps")
    }

    @Test func durationsReadAsPeopleWriteThem() {
        #expect(DurationText.seconds("1h") == 3_600)
        #expect(DurationText.seconds("90s") == 90)
        #expect(DurationText.seconds("1h30m") == 5_400)
        #expect(DurationText.seconds("250ms") == 0.25)
        #expect(DurationText.seconds("2") == 2)
        #expect(DurationText.seconds("soon") == nil)
        #expect(DurationText.describe(5_400) == "1 h 30 min")
        #expect(DurationText.describe(0.25) == "250 ms")
    }
}
