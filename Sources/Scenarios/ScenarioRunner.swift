import AppConnection
import AsyncHTTPClient
import Foundation
import HopTrace
import LocalStack
import Logging
import Messages
import NIOHTTP1

/// Runs scenarios against a stack: resets it, opens the phones, runs the steps in order (the
/// first failure skips the rest), and closes every phone at the end.
public struct ScenarioRunner: Sendable {
    public let control: StackControl
    public var logger: Logger
    /// The stack's log, when this run started the stack: a failed step shows its lines.
    public var log: StackLog?
    /// Reset the stack before each scenario (the default; off for a stack someone else runs).
    public var reset = true

    public init(control: StackControl, logger: Logger = Logger(label: "scenarios"), log: StackLog? = nil) {
        self.control = control
        self.logger = logger
        self.log = log
    }

    public func run(_ scenario: Scenario, onStep: @escaping @Sendable (StepResult) -> Void = { _ in }) async -> ScenarioResult {
        let started = ContinuousClock.now
        var result = ScenarioResult(name: scenario.name, file: scenario.file)
        let execution = ScenarioExecution(scenario: scenario, control: control, logger: logger, log: log)
        do {
            if reset { result.notes += try await control.reset(seed: scenario.seed, clock: scenario.clock) }
            try await execution.prepare()
        } catch {
            result.error = "could not prepare the scenario: \(error)"
            result.seconds = (ContinuousClock.now - started).seconds
            await execution.closeAll()
            return result
        }
        result.steps = await execution.run(scenario.steps, depth: 0, onStep: onStep)
        await execution.closeAll()
        do {
            result.notes += try await control.restartStoppedPrograms()
        } catch {
            result.notes.append("could not start again what the scenario stopped: \(error)")
        }
        result.seconds = (ContinuousClock.now - started).seconds
        return result
    }
}

/// Why a step failed, with what helps to see why.
struct StepFailure: Error {
    var message: String
    var details: [String] = []
}

/// One scenario's run: its phones, variables and clock.
actor ScenarioExecution {
    let scenario: Scenario
    let control: StackControl
    let logger: Logger
    let log: StackLog?
    var variables: Variables
    var phones: [String: Phone] = [:]
    var clockPaused: Bool
    var clockSpeed: Double
    /// Simulated seconds between two meter values: how far a paused clock moves per step.
    var meterStep = 60.0
    /// The trace of the last action sent: a failed step shows its timeline.
    var lastTrace: TraceParent?

    init(scenario: Scenario, control: StackControl, logger: Logger, log: StackLog?) {
        self.scenario = scenario
        self.control = control
        self.logger = logger
        self.log = log
        variables = Variables(control.endpoints.variables)
        clockPaused = scenario.clock.paused
        clockSpeed = scenario.clock.speed
    }

    /// Tokens for every phone (minted, or by logging in), and the simulator's meter step.
    func prepare() async throws {
        if control.endpoints.cms != nil { meterStep = try await control.clock().meterStep }
        for spec in scenario.phones {
            let token: String
            var user: Int?
            switch spec.credentials {
            case .minted(let userID, let ttl):
                token = try DevelopmentToken.mint(userID: userID, secret: control.endpoints.jwtSecret, ttl: max(1, Int(ttl.rounded())))
                user = userID
            case .login(let email, let password):
                let answer = try await control.request(
                    .POST, control.endpoints.backend + "/api/auth/login", body: ["email": .string(email), "password": .string(password)])
                guard answer.status == 200, let access = answer.json?["access_token"]?.stringValue else {
                    throw ClientStepError("login of \(email) for phone \(spec.name) answered \(answer.status): \(answer.text)")
                }
                token = access
            case .token(let given):
                token = given
            }
            phones[spec.name] = Phone(name: spec.name, token: token, reconnect: spec.reconnect)
            variables["\(spec.name).token"] = .string(token)
            if let user { variables["\(spec.name).user"] = .int(user) }
        }
    }

    func closeAll() async {
        for phone in phones.values { await phone.close() }
    }

    /// Runs `steps` in order; after a failure the rest are reported as skipped.
    func run(_ steps: [Step], depth: Int, onStep: @escaping @Sendable (StepResult) -> Void) async -> [StepResult] {
        var results: [StepResult] = []
        var failed = false
        for step in steps {
            if failed {
                let skipped = StepResult(title: step.title, location: step.location, status: .skipped, seconds: 0, depth: depth)
                results.append(skipped)
                onStep(skipped)
                continue
            }
            let started = ContinuousClock.now
            let stepStarted = Date()
            var inner: [StepResult] = []
            var result = StepResult(title: step.title, location: step.location, status: .passed, seconds: 0, depth: depth)
            do {
                inner = try await perform(step, depth: depth, onStep: onStep)
                if let innerFailure = inner.first(where: { $0.status == .failed }) {
                    throw StepFailure(message: innerFailure.message ?? "a step inside failed")
                }
            } catch let failure as StepFailure {
                result.status = .failed
                result.message = failure.message
                result.details = failure.details + stackLogLines(since: stepStarted)
            } catch {
                result.status = .failed
                result.message = "\(error)"
                result.details = stackLogLines(since: stepStarted)
            }
            // A block's failure is its inner step's, which has the timeline already.
            if result.status == .failed, inner.isEmpty, let trace = lastTrace {
                let (timeline, unavailable) = await TraceCollector(
                    gateway: control.endpoints.gatewayHTTP, backend: control.endpoints.backend, cms: control.endpoints.cms
                ).timeline(of: trace.traceID)
                result.timeline = timeline
                result.details += unavailable.map { "trace not available from \($0)" }
            }
            result.seconds = (ContinuousClock.now - started).seconds
            results.append(result)
            results += inner
            onStep(result)
            failed = result.status == .failed
        }
        return results
    }

    private func stackLogLines(since start: Date) -> [String] {
        guard let log else { return [] }
        let lines = log.lines(since: start).suffix(30)
        return lines.isEmpty ? [] : ["stack log during the step:"] + lines.map { "  [\($0.program)] \($0.text)" }
    }

    private func phone(_ name: String) throws -> Phone {
        guard let phone = phones[name] else { throw StepFailure(message: "no phone \(name)") }
        return phone
    }

    private var defaultTimeout: Double { scenario.timeout }

    // MARK: Steps

    private func perform(_ step: Step, depth: Int, onStep: @escaping @Sendable (StepResult) -> Void) async throws -> [StepResult] {
        switch step.action {
        case .open(let open): try await self.open(open)
        case .close(let name): try await phone(name).close()
        case .send(let send): try await self.send(send)
        case .expect(let expect): try await self.expect(expect)
        case .expectNone(let expect): try await self.expectNone(expect)
        case .expectClose(let expect): try await self.expectClose(expect)
        case .advance(let seconds): try await advance(seconds)
        case .pause:
            try await control.clockCommand("pause")
            clockPaused = true
        case .resume:
            try await control.clockCommand("resume")
            clockPaused = false
        case .speed(let speed):
            try await control.clockCommand("speed", body: ["speed": .double(speed)])
            clockSpeed = speed
        case .charger(let charger): try await self.charger(charger)
        case .program(let program): try await self.program(program)
        case .http(let http): try await self.http(http)
        case .sleep(let seconds): try await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
        case .parallel(let steps):
            return await withTaskGroup(of: [StepResult].self) { group in
                for branch in steps { group.addTask { await self.run([branch], depth: depth + 1, onStep: onStep) } }
                var all: [StepResult] = []
                for await results in group { all += results }
                return all
            }
        case .repeat(let times, let steps):
            var all: [StepResult] = []
            for iteration in 0..<times {
                variables["iteration"] = .int(iteration + 1)
                let results = await run(steps, depth: depth + 1, onStep: onStep)
                all += results
                if results.contains(where: { $0.status == .failed }) { break }
            }
            return all
        }
        return []
    }

    private func deadline(within: Double?, timeout: Double?) -> ContinuousClock.Instant {
        var seconds = timeout ?? defaultTimeout
        if let within, !clockPaused { seconds += within / clockSpeed }
        return .now + .milliseconds(Int64(seconds * 1000))
    }

    /// Waits until `check` gives a value, or the deadline; each arrival on the phone wakes it.
    private func waitFor<T: Sendable>(
        _ phone: Phone, until deadline: ContinuousClock.Instant, _ check: @Sendable (Phone) async -> T?
    ) async -> T? {
        while true {
            let seen = phone.signal.version
            if let value = await check(phone) { return value }
            if ContinuousClock.now >= deadline { return nil }
            await phone.signal.wait(beyond: seen, until: deadline)
        }
    }

    private func open(_ open: OpenStep) async throws {
        let phone = try phone(open.phone)
        await phone.open(gatewayURL: control.endpoints.gateway, logger: logger)
        let deadline = ContinuousClock.now + .milliseconds(Int64(defaultTimeout * 1000))
        let connected: Pattern = .object(["type": .literal("connected")])
        let variables = self.variables
        if let refused = open.refused {
            guard let close = await waitFor(phone, until: deadline, { await $0.lastClose }) else {
                throw StepFailure(message: "the gateway did not close the socket within \(DurationText.describe(defaultTimeout)); expected \(refused.summary)")
            }
            guard refused.matches(code: close.code, reason: close.reason) else {
                throw StepFailure(message: "closed with \(close.code.map(String.init) ?? "no code") \"\(close.reason ?? "")\", expected \(refused.summary)")
            }
            if let accepted = await phone.match([connected], inOrder: false, needed: 1, variables: variables) {
                throw StepFailure(message: "the gateway sent connected before closing", details: accepted.indices.map { "message #\($0)" })
            }
            return
        }
        let match = await waitFor(phone, until: deadline) { phone -> Phone.Match? in
            if await phone.lastClose != nil, await !phone.isOpen { return Phone.Match(indices: [], captures: [:]) }
            return await phone.match([connected], inOrder: false, needed: 1, variables: variables)
        }
        guard let match, !match.indices.isEmpty else {
            let close = await phone.lastClose
            throw StepFailure(message: close.map { "the gateway closed the socket: \($0.code.map(String.init) ?? "no code") \($0.reason ?? "")" }
                ?? "no connection message within \(DurationText.describe(defaultTimeout))")
        }
        await phone.take(match.indices)
    }

    private func send(_ send: SendStep) async throws {
        let phone = try phone(send.phone)
        let text: String
        if let raw = send.raw {
            text = variables.interpolate(raw)
        } else {
            var message = send.extra.mapValues(variables.resolve)
            message["action"] = .string(send.action!)
            message["data"] = variables.resolve(send.data)
            // Each action its own trace, unless the scenario gives one.
            let trace = message["traceparent"]?.stringValue.flatMap { TraceParent($0) } ?? TraceParent.random()
            if message["traceparent"] == nil { message["traceparent"] = .string(trace.description) }
            lastTrace = trace
            text = JSONWriter.string(.object(message))
        }
        let start = await phone.messageCount
        try await phone.send(text)
        let deadline = ContinuousClock.now + .milliseconds(Int64(defaultTimeout * 1000))
        guard let index = await waitFor(phone, until: deadline, { await $0.firstAnswer(from: start) }) else {
            throw StepFailure(
                message: "no response within \(DurationText.describe(defaultTimeout))",
                details: ["sent: \(text)"] + (await phone.lastClose.map { ["the socket closed: \($0.code.map(String.init) ?? "") \($0.reason ?? "")"] } ?? []))
        }
        await phone.take([index])
        guard let pattern = send.expect else { return }
        let answer = await phone.message(at: index)
        var captures: [String: JSONValue] = [:]
        if let mismatch = pattern.match(answer?.json, variables: variables, captures: &captures) {
            throw StepFailure(message: "the response does not match: \(mismatch)", details: ["sent: \(text)", "received: \(answer?.text ?? "")"])
        }
        for (name, value) in captures { variables[name] = value }
    }

    private func expect(_ expect: ExpectStep) async throws {
        let phone = try phone(expect.phone)
        let needed = expect.inOrder ? expect.patterns.count : (expect.count ?? expect.atLeast ?? 1)
        let variables = self.variables
        let patterns = expect.patterns
        let inOrder = expect.inOrder
        let check: @Sendable (Phone) async -> Phone.Match? = { await $0.match(patterns, inOrder: inOrder, needed: needed, variables: variables) }
        var match = await check(phone)
        if match == nil, let within = expect.within, clockPaused {
            match = try await advanceUntil(phone, within: within, check)
        }
        if match == nil {
            match = await waitFor(phone, until: deadline(within: expect.within, timeout: expect.timeout), check)
        }
        if let exact = expect.count, match != nil {
            // Exactly: counted once nothing more is under way.
            _ = await settled(phone) { _ -> Bool? in nil }
            match = await phone.match(patterns, inOrder: false, needed: exact, variables: variables)
            if let found = match, found.indices.count != exact {
                throw StepFailure(message: "expected exactly \(exact) of \(patterns[0].summary), received \(found.indices.count)")
            }
        }
        guard let match else {
            let found = await phone.match(patterns, inOrder: false, needed: 0, variables: variables)?.indices.count ?? 0
            let what = inOrder ? "the \(patterns.count) messages in order" : "\(needed) of \(patterns[0].summary)"
            let within = expect.within.map { " within \(DurationText.describe($0)) of simulated time" } ?? ""
            throw StepFailure(
                message: "expected \(what)\(within); received \(inOrder ? "not all of them" : "\(found)")",
                details: ["last messages on \(expect.phone) not taken by a step:"] + (await phone.nearMisses(patterns[0], variables: variables)).map { "  " + $0 })
        }
        await phone.take(expect.count == nil && !inOrder ? Array(match.indices.prefix(needed)) : match.indices)
        for (name, value) in match.captures { self.variables[name] = value }
    }

    private func expectNone(_ expect: ExpectNoneStep) async throws {
        let phone = try phone(expect.phone)
        try? await control.waitUntilIdle(timeout: defaultTimeout)
        let deadline = ContinuousClock.now + .milliseconds(Int64(expect.within * 1000))
        let variables = self.variables
        let pattern = expect.pattern
        let seen = await waitFor(phone, until: deadline) { phone -> [String]? in
            let matching = await phone.everMatching(pattern, variables: variables)
            return matching.isEmpty ? nil : matching
        }
        if let seen {
            throw StepFailure(message: "\(expect.phone) received what it must not: \(pattern.summary)", details: seen.map { "  " + $0 })
        }
    }

    private func expectClose(_ expect: ExpectCloseStep) async throws {
        let phone = try phone(expect.phone)
        if let within = expect.within, clockPaused, await phone.isOpen { try await advance(within) }
        let deadline = deadline(within: expect.within, timeout: expect.timeout)
        guard let close = await waitFor(phone, until: deadline, { phone in await phone.isOpen ? nil : await phone.lastClose }) else {
            throw StepFailure(message: "\(expect.phone) is still open; expected a close \(expect.close.summary)")
        }
        guard expect.close.matches(code: close.code, reason: close.reason) else {
            throw StepFailure(message: "closed with \(close.code.map(String.init) ?? "no code") \"\(close.reason ?? "")\", expected \(expect.close.summary)")
        }
    }

    /// Moves simulated time on by `seconds`; returns once the stack has done what fell due.
    private func advance(_ seconds: Double) async throws {
        try await control.clockCommand("advance", body: ["seconds": .double(seconds)])
        try? await control.waitUntilIdle(timeout: defaultTimeout)
    }

    /// On a paused clock: moves simulated time on one meter step at a time, up to `within`,
    /// until `check` holds, so that a wait takes no more simulated time than it needs.
    private func advanceUntil<T: Sendable>(_ phone: Phone, within: Double, _ check: @Sendable (Phone) async -> T?) async throws -> T? {
        var advanced = 0.0
        while true {
            if let value = await settled(phone, check) { return value }
            guard advanced < within else { return nil }
            let step = min(meterStep, within - advanced)
            try await advance(step)
            advanced += step
        }
    }

    /// `check` once the stack is idle and the phone has been quiet for a moment: pushes that
    /// Redis holds by then arrive within milliseconds on loopback.
    private func settled<T: Sendable>(_ phone: Phone, _ check: @Sendable (Phone) async -> T?) async -> T? {
        if let value = await check(phone) { return value }
        try? await control.waitUntilIdle(timeout: defaultTimeout)
        while true {
            let seen = phone.signal.version
            if let value = await check(phone) { return value }
            await phone.signal.wait(beyond: seen, until: .now + Self.quiet)
            if phone.signal.version == seen { return await check(phone) }
        }
    }

    static let quiet: Duration = .milliseconds(25)

    private func charger(_ step: ChargerStep) async throws {
        var path = "/api/chargers/\(step.charger)"
        if let connector = step.connector { path += "/connectors/\(connector)" }
        path += "/" + step.command.path
        let body = step.body.isEmpty ? nil : JSONValue.object(step.body.mapValues(variables.resolve))
        let answer = try await control.simulator(.POST, path, body: body)
        let accepted = answer.json?["status"]?.stringValue == "Accepted"
        guard accepted == step.accepted else {
            throw StepFailure(message: "charger-sim answered \(answer.status) \(answer.text) to \(step.command.rawValue); expected \(step.accepted ? "Accepted" : "Rejected")")
        }
        // What the charger reported has reached the backend before the next step.
        try? await control.waitUntilIdle(timeout: defaultTimeout)
    }

    private func program(_ step: ProgramStep) async throws {
        guard let local = control.local else {
            throw StepFailure(message: "\(step.command.rawValue) \(step.program) needs the stack that `client scenario run` starts (this run uses a running stack)")
        }
        let supervisor = local.supervisor
        let name = await local.programName(step.program)
        switch step.command {
        case .stop: try await supervisor.stop(name)
        case .kill: try await supervisor.kill(name)
        case .start, .restart:
            try await supervisor.restart(name)
            try await local.waitUntilHealthy(name)
        }
    }

    private func http(_ step: HTTPStep) async throws {
        var headers = step.headers.mapValues(variables.interpolate)
        if let asPhone = step.asPhone, let token = variables["\(asPhone).token"]?.stringValue {
            headers["Authorization"] = "Bearer \(token)"
        }
        let url = variables.interpolate(step.url)
        let body = step.body.map(variables.resolve)
        let deadline = ContinuousClock.now + .milliseconds(Int64((step.eventually ?? 0) * 1000))
        while true {
            var failure: StepFailure?
            do {
                let answer = try await control.request(HTTPMethod(rawValue: step.method), url, headers: headers, body: body)
                var captures: [String: JSONValue] = [:]
                if let status = step.status, answer.status != status {
                    failure = StepFailure(message: "\(step.method) \(url) answered \(answer.status), expected \(status)", details: ["body: \(answer.text.prefix(500))"])
                } else if let pattern = step.expect, let mismatch = pattern.match(answer.json, variables: variables, captures: &captures) {
                    failure = StepFailure(message: "the answer does not match: \(mismatch)", details: ["body: \(answer.text.prefix(500))"])
                } else {
                    for (name, value) in captures { variables[name] = value }
                    return
                }
            } catch {
                failure = StepFailure(message: "\(step.method) \(url) failed: \(error)")
            }
            guard ContinuousClock.now < deadline else { throw failure! }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
