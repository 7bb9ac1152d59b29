import ArgumentParser
import Foundation
import HopTrace
import LocalStack
import ServiceRuntime

/// `client trace TRACE_ID`: an action's timeline across the gateway, the backend and
/// charger-sim, from each program's `GET /debug/traces/ID`.
struct TraceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Show what each hop of the stack did for one action.",
        discussion: """
            `client send` prints the trace id of its action; an app may send its own W3C traceparent \
            in the action message. The gateway keeps records when started with --trace-records \
            (client up and the scenarios do); mock-backend and charger-sim keep them by default. \
            Exit status: 0 when the trace was found and no hop went wrong, 1 when a hop went wrong, \
            2 when no program knows the trace.
            """)

    @Argument(help: "The trace id (32 hex digits), or a whole traceparent.") var trace: String
    @OptionGroup var stack: RunningStackOptions
    @Flag(help: "Print the records as JSON.") var json = false

    func run() async throws {
        guard let traceID = TraceParent.traceID(given: trace) else {
            throw ValidationError("a trace id is 32 hex digits (or give the whole traceparent)")
        }
        let collector = TraceCollector(
            gateway: stack.gateway.map { StackURLs(gateway: $0).gatewayHTTP }, backend: stack.backend, cms: stack.sim)
        let (timeline, unavailable) = await collector.timeline(of: traceID)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data = try encoder.encode(TraceReport(traceID: traceID, program: "stack", hops: timeline.hops))
            print(String(decoding: data, as: UTF8.self))
        } else {
            timeline.lines().forEach { print($0) }
        }
        for reason in unavailable { FileHandle.standardError.write(Data("not available: \(reason)\n".utf8)) }
        if timeline.hops.isEmpty { throw ExitCode(2) }
        if timeline.firstFailure != nil { throw ExitCode(1) }
    }
}
