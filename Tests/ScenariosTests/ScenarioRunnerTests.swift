import Foundation
import LocalStack
import Messages
import TestSupport
import Testing

@testable import Scenarios

/// The runner against a real stack on free ports, the one `client scenario run` starts.
@Suite("scenario runner", .serialized)
struct ScenarioRunnerTests {
    static func withStack(redisServer: String? = nil, _ body: (ScenarioRunner) async throws -> Void) async throws {
        var configuration = StackConfiguration.anyPorts(binDirectory: BuiltProducts.directory)
        configuration.clockPaused = true
        configuration.redisServer = redisServer
        let log = StackLog(echo: false)
        let stack = LocalStack(configuration: configuration, log: log)
        do {
            let urls = try await stack.start()
            let runner = ScenarioRunner(control: StackControl(endpoints: StackEndpoints(urls, configuration: configuration), local: stack), log: log)
            try await body(runner)
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
    }

    static func load(_ name: String) throws -> Scenario {
        try ScenarioLoader.load(paths: [ScenarioLoaderTests.fixture(name)])[0]
    }

    @Test func aFailingStepIsReportedWithItsPlaceAndWhyAndTheRestIsSkipped() async throws {
        try await Self.withStack { runner in
            let result = await runner.run(try Self.load("failing-expectation.yaml"))
            #expect(!result.passed)
            #expect(result.error == nil)
            #expect(result.steps.map(\.status) == [.passed, .passed, .failed, .skipped])
            let failure = try #require(result.failure)
            #expect(failure.title == "CP001 is faulted (it is not)")
            #expect(failure.location.line == 11)
            #expect(failure.message == #"the response does not match: data.status: expected "Faulted", got "Available""#)
            #expect(failure.details.contains { $0.hasPrefix("received: ") && $0.contains(#""charger_id":"CP001""#) })
            // The failed step's action across the hops: the gateway got it, the backend answered it.
            let timeline = try #require(failure.timeline)
            #expect(timeline.hops.contains { $0.program == "gateway" && $0.name == "action get_charger_status from user 123" })
            #expect(timeline.hops.contains { $0.program == "mock-backend" && $0.name == "POST /api/websocket/message" && $0.status == 200 })
            #expect(timeline.hops.allSatisfy { $0.traceID == timeline.traceID })
            #expect(timeline.firstFailure == nil)
            let text = ScenarioReport.progressLine(failure)
            #expect(text.contains("timeline of the action"))
            #expect(text.contains("mock-backend  POST /api/websocket/message"))
            let junit = ScenarioReport.junit([result])
            #expect(junit.contains(#"<testsuites name="scenarios" tests="1" failures="1""#))
            #expect(junit.contains("CP001 is faulted (it is not): the response does not match: data.status: expected &quot;Faulted&quot;"))
        }
    }

    @Test func theTimelineMarksTheHopThatWentWrong() async throws {
        try await Self.withStack { runner in
            let result = await runner.run(try Self.load("failing-backend-down.yaml"))
            #expect(result.steps.map(\.status) == [.passed, .passed, .failed])
            let failure = try #require(result.failure)
            #expect(failure.title == "start charging with the backend stopped")
            let timeline = try #require(failure.timeline)
            // The gateway's call to the backend is the first hop that went wrong; the backend recorded nothing.
            let wrong = try #require(timeline.firstFailure)
            #expect(wrong.program == "gateway")
            #expect(wrong.name == "POST /api/websocket/message")
            #expect(wrong.status == nil)
            #expect(wrong.detail?.isEmpty == false)
            #expect(!timeline.hops.contains { $0.program == "mock-backend" })
            #expect(timeline.lines().contains { $0.hasPrefix("✗") && $0.contains("POST /api/websocket/message") })
            // The next scenario finds the backend running again.
            #expect(result.notes.contains { $0.contains("was left stopped by the scenario") })
            let next = await runner.run(try Self.load("failing-expectation.yaml"))
            #expect(next.error == nil)
            #expect(next.steps.map(\.status) == [.passed, .passed, .failed, .skipped])
        }
    }

    @Test func aSessionRunsOnSimulatedTimeAndTheResetMakesOrderIrrelevant() async throws {
        try await Self.withStack { runner in
            let scenario = try Self.load("start-and-meter.yaml")
            for _ in 0..<2 {
                let result = await runner.run(scenario)
                #expect(result.passed, "\(result.failure.map(ScenarioReport.progressLine) ?? result.error ?? "")")
                // Five minutes of charging on a paused clock take no wall-clock minutes.
                #expect(result.seconds < 10)
            }
        }
    }

    @Test(.enabled(if: RedisServerProcess.isInstalled)) func theSameScenarioPassesOnARealRedis() async throws {
        try await Self.withStack(redisServer: RedisServerProcess.executable) { runner in
            let result = await runner.run(try Self.load("start-and-meter.yaml"))
            #expect(result.passed, "\(result.failure.map(ScenarioReport.progressLine) ?? result.error ?? "")")
        }
    }

    @Test func theShippedScenariosAreWellFormed() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scenarios").path
        let scenarios = try ScenarioLoader.load(paths: [folder])
        #expect(scenarios.count >= 9)
    }
}
