import Foundation
import Hummingbird
import Messages

/// Simulated time under a test's control, and the reset between tests:
/// `GET /api/clock`, `POST /api/clock/{pause,resume,advance,speed}`, `POST /api/reset`.
extension SimulatorApplication {
    func addClockRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/clock") { request, _ in
            guard authorized(request) else { return Self.unauthenticated }
            return clockState()
        }
        router.post("/api/clock/pause") { request, _ in
            guard authorized(request) else { return Self.unauthenticated }
            clock.pause()
            return clockState()
        }
        router.post("/api/clock/resume") { request, _ in
            guard authorized(request) else { return Self.unauthenticated }
            clock.resume()
            return clockState()
        }
        router.post("/api/clock/speed") { request, _ in
            guard authorized(request) else { return Self.unauthenticated }
            guard let speed = try await jsonBody(request)?["speed"]?.doubleValue, speed > 0, speed <= 1_000_000 else {
                return Self.json(RemoteCommandResult.reject("Body must be {speed}: simulated seconds per wall-clock second, above 0"), status: .unprocessableContent)
            }
            clock.setSpeed(speed)
            return clockState()
        }
        // Everything due in the skipped time runs before the answer, in the order of simulated
        // time, so a caller that then waits for the events sees all of them.
        router.post("/api/clock/advance") { request, _ in
            guard authorized(request) else { return Self.unauthenticated }
            guard let seconds = try await jsonBody(request)?["seconds"]?.doubleValue, seconds >= 0, seconds <= 366 * 86_400 else {
                return Self.json(RemoteCommandResult.reject("Body must be {seconds}: 0 to a year of simulated time"), status: .unprocessableContent)
            }
            let before = delivery.counts
            clock.advance(by: seconds)
            await simulator.advance(to: clock.now())
            let after = delivery.counts
            return clockState(extra: ["events": .int(after.waiting + after.delivered - before.waiting - before.delivered)])
        }
        router.post("/api/reset") { request, _ in
            guard authorized(request) else { return Self.unauthenticated }
            let body = try await jsonBody(request) ?? [:]
            var seed = configuration.seed
            if let value = body["seed"], !value.isNull {
                guard case .int(let number) = value, number >= 0 else {
                    return Self.json(RemoteCommandResult.reject("seed must be an unsigned integer"), status: .unprocessableContent)
                }
                seed = UInt64(number)
            }
            var origin = clock.now()
            if let text = body["start_time"]?.stringValue {
                guard let date = Timestamp.date(from: text) else {
                    return Self.json(RemoteCommandResult.reject("start_time must be an ISO-8601 time"), status: .unprocessableContent)
                }
                origin = date
            }
            let speed = body["speed"]?.doubleValue ?? configuration.speed
            guard speed > 0 else { return Self.json(RemoteCommandResult.reject("speed must be above 0"), status: .unprocessableContent) }
            clock.reset(origin: origin, speed: speed, paused: body["paused"]?.boolValue ?? configuration.paused)
            await simulator.reset(seed: seed)
            logger.info("reset", metadata: ["seed": "\(seed)", "paused": "\(clock.snapshot.paused)"])
            return clockState(extra: ["status": .string(RemoteCommandResult.accepted), "seed": .int(Int(truncatingIfNeeded: seed))])
        }
    }

    private func clockState(extra: [String: JSONValue] = [:]) -> Response {
        let snapshot = clock.snapshot
        var body: [String: JSONValue] = [
            "now": .string(Timestamp.string(from: snapshot.now)), "speed": .double(snapshot.speed), "paused": .bool(snapshot.paused),
            "meter_step": .double(configuration.simulatedStep),
        ]
        body.merge(extra) { $1 }
        return Self.json(JSONValue.object(body))
    }

    /// The request's JSON object; nil for an empty body. Throws 422 for anything else.
    func jsonBody(_ request: Request) async throws -> JSONValue? {
        let bytes = try await request.body.collect(upTo: 1 << 16)
        guard bytes.readableBytes > 0 else { return nil }
        guard let parsed = try? JSONReader.parse(bytes.readableBytesView), parsed.objectValue != nil else {
            throw HTTPError(.unprocessableContent, message: "The body must be a JSON object")
        }
        return parsed
    }
}
