import AsyncHTTPClient
import Foundation
import LocalStack
import Messages
import NIOCore
import NIOHTTP1

/// Where the stack under test is, and the secrets to drive it with.
public struct StackEndpoints: Sendable {
    public var gateway: String
    public var backend: String
    /// charger-sim; nil when the stack has none (a real CMS behind a real backend).
    public var cms: String?
    public var redis: String?
    public var jwtSecret: String
    public var cmsSecret: String

    public init(gateway: String, backend: String, cms: String?, redis: String?, jwtSecret: String, cmsSecret: String) {
        self.gateway = gateway
        self.backend = backend
        self.cms = cms
        self.redis = redis
        self.jwtSecret = jwtSecret
        self.cmsSecret = cmsSecret
    }

    public init(_ urls: StackURLs, configuration: StackConfiguration) {
        self.init(
            gateway: urls.gateway, backend: urls.backend, cms: urls.cms, redis: urls.redis,
            jwtSecret: configuration.jwtSecret, cmsSecret: configuration.cmsSecret)
    }

    public var gatewayHTTP: String { StackURLs(gateway: gateway).gatewayHTTP }

    /// `${gateway}`, `${gateway_http}`, `${backend}`, `${cms}`, `${redis}` for scenarios.
    var variables: [String: JSONValue] {
        var values: [String: JSONValue] = ["gateway": .string(gateway), "gateway_http": .string(gatewayHTTP), "backend": .string(backend)]
        if let cms { values["cms"] = .string(cms) }
        if let redis { values["redis"] = .string(redis) }
        return values
    }
}

/// The stack as a scenario drives it: charger-sim's clock and faults, the reset, the
/// programs (when the run started them), and plain HTTP calls.
public struct StackControl: Sendable {
    public let endpoints: StackEndpoints
    /// The stack this run started; nil for a stack that runs elsewhere.
    public let local: LocalStack?
    let http = HTTPClient.shared

    public init(endpoints: StackEndpoints, local: LocalStack?) {
        self.endpoints = endpoints
        self.local = local
    }

    struct Answer: Sendable {
        var status: Int
        var json: JSONValue?
        var text: String
    }

    func request(
        _ method: HTTPMethod, _ url: String, headers: [String: String] = [:], body: JSONValue? = nil, timeout: Double = 10
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let body {
            request.headers.replaceOrAdd(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: JSONWriter.bytes(body)))
        }
        let response = try await http.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
        let bytes = try await response.body.collect(upTo: 1 << 24)
        let text = String(buffer: bytes)
        return Answer(status: Int(response.status.code), json: try? JSONReader.parse(bytes.readableBytesView), text: text)
    }

    /// A call of charger-sim's API with the CMS secret.
    func simulator(_ method: HTTPMethod, _ path: String, body: JSONValue? = nil) async throws -> Answer {
        guard let cms = endpoints.cms else {
            throw ClientStepError("this step needs charger-sim, and the stack under test has none (give --sim-url)")
        }
        return try await request(method, cms + path, headers: ["Authorization": "Bearer \(endpoints.cmsSecret)"], body: body)
    }

    struct ClockState: Sendable {
        var paused: Bool
        var speed: Double
        var now: String
        var meterStep: Double
    }

    func clock() async throws -> ClockState {
        let answer = try await simulator(.GET, "/api/clock")
        guard answer.status == 200, let json = answer.json else { throw ClientStepError("charger-sim's /api/clock answered \(answer.status): \(answer.text)") }
        return ClockState(paused: json["paused"]?.boolValue ?? false, speed: json["speed"]?.doubleValue ?? 1, now: json["now"]?.stringValue ?? "",
            meterStep: json["meter_step"]?.doubleValue ?? 60)
    }

    func clockCommand(_ path: String, body: JSONValue? = nil) async throws {
        let answer = try await simulator(.POST, "/api/clock/" + path, body: body)
        guard answer.status == 200 else { throw ClientStepError("charger-sim refused /api/clock/\(path) (\(answer.status)): \(answer.text)") }
    }

    /// Starts again each program of the local stack that a scenario stopped or killed and left
    /// so: the next scenario finds the whole stack, whatever the last one did. Says which.
    func restartStoppedPrograms() async throws -> [String] {
        guard let local else { return [] }
        var notes: [String] = []
        for name in await local.supervisor.programs {
            guard await !local.supervisor.isRunning(name) else { continue }
            try await local.supervisor.restart(name)
            try await local.waitUntilHealthy(name)
            notes.append("\(name) was left stopped by the scenario and was started again for the next one")
        }
        return notes
    }

    /// The stack back to its seeded state: charger-sim first (so that no old event reaches the
    /// backend after its reset), then the backend's database, then Redis's keys.
    func reset(seed: UInt64, clock: ClockSetting) async throws -> [String] {
        var notes: [String] = []
        if endpoints.cms != nil {
            var body: [String: JSONValue] = ["seed": .int(Int(truncatingIfNeeded: seed)), "paused": .bool(clock.paused), "speed": .double(clock.speed)]
            if let start = clock.start { body["start_time"] = .string(start) }
            let answer = try await simulator(.POST, "/api/reset", body: .object(body))
            guard answer.status == 200 else { throw ClientStepError("charger-sim's reset answered \(answer.status): \(answer.text)") }
            try await waitUntilIdle(timeout: 10)
        }
        let backend = try await request(.POST, endpoints.backend + "/api/testing/reset", headers: ["Authorization": "Bearer \(endpoints.cmsSecret)"])
        switch backend.status {
        case 200: break
        case 404, 405: notes.append("the backend has no /api/testing/reset (not mock-backend?): its data was not reset")
        default: throw ClientStepError("the backend's reset answered \(backend.status): \(backend.text)")
        }
        return notes
    }

    /// Returns once charger-sim has delivered every event and the backend has published every
    /// message of its outbox: what is still under way then is in Redis or the gateway.
    func waitUntilIdle(timeout: Double) async throws {
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        while ContinuousClock.now < deadline {
            var idle = true
            if endpoints.cms != nil, let stats = try? await simulator(.GET, "/api/stats").json {
                idle = stats["events_waiting"]?.intValue == 0
            }
            if idle, let health = try? await request(.GET, endpoints.backend + "/health").json, let outbox = health["outbox"]?.intValue {
                idle = outbox == 0
            }
            if idle { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        throw ClientStepError("the stack did not settle within \(DurationText.describe(timeout)) (charger-sim's events or the backend's outbox still waiting)")
    }
}

/// A step that could not be carried out (as opposed to one whose expectation failed).
struct ClientStepError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
