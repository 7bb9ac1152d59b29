import AsyncHTTPClient
import Foundation
import HopTrace
import Logging
import Messages
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle
import ServiceRuntime

/// Sends CMS events to the backend, in order per charger, retrying while the backend is down
/// or busy.
///
/// Events go out on `laneCount` lanes, each one request at a time; a charger always uses the
/// same lane, so its events keep their order while different chargers' events travel side by
/// side. A request carries what its lane has queued, up to `batchSize` events (a JSON array),
/// so a busy fleet costs the backend one request and one transaction per batch.
///
/// Bounded: past `capacity` waiting events, new meter values are dropped (one log line when it
/// starts, one when it is over). A meter value carries the register, so the next one makes up
/// for it; every other event is kept.
///
/// An event emitted while a traced request was handled (a remote start's `session_started`)
/// keeps that trace: its request carries the `traceparent`, and a batch holds events of one
/// trace only.
final class EventDelivery: Service, Sendable {
    static let capacity = 100_000
    static let laneCount = 32
    static let batchSize = 100

    private struct Backlog {
        var waiting = 0
        var delivered = 0
        var droppingSince: ContinuousClock.Instant?
        var dropped = 0
        var droppedInAll = 0
    }

    private let lanes: [EventLane]
    private let backlog = NIOLockedValueBox(Backlog())
    private let httpClient: HTTPClient
    private let endpoint: String
    private let secret: String
    private let traces: TraceRecorder?
    private let logger: Logger

    init(httpClient: HTTPClient, backendURL: String, secret: String, traces: TraceRecorder? = nil, logger: Logger) {
        self.traces = traces
        lanes = (0..<Self.laneCount).map { _ in EventLane() }
        self.httpClient = httpClient
        var base = backendURL
        while base.hasSuffix("/") { base.removeLast() }
        self.endpoint = base + "/api/cms/events"
        self.secret = secret
        self.logger = logger
    }

    /// Events waiting to be delivered.
    var waiting: Int { backlog.withLockedValue { $0.waiting } }

    /// Waiting, delivered (or given up) and dropped events, for `GET /api/stats`.
    var counts: (waiting: Int, delivered: Int, dropped: Int) {
        backlog.withLockedValue { ($0.waiting, $0.delivered, $0.droppedInAll) }
    }

    func enqueue(_ event: CMSEvent) {
        let accepted = backlog.withLockedValue { backlog -> Bool in
            if event.event == .meterValue, backlog.waiting >= Self.capacity {
                if backlog.droppingSince == nil {
                    backlog.droppingSince = .now
                    logger.error("event queue full: meter values are dropped until the backend catches up", metadata: ["waiting": "\(backlog.waiting)"])
                }
                backlog.dropped += 1
                backlog.droppedInAll += 1
                return false
            }
            backlog.waiting += 1
            return true
        }
        if accepted { lanes[Self.lane(of: event.chargerID)].append(TracedEvent(event: event, trace: TraceParent.current)) }
    }

    /// FNV-1a of the charger id: the same lane for the same charger, in every run.
    static func lane(of chargerID: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in chargerID.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int(hash % UInt32(laneCount))
    }

    func run() async throws {
        // A lane waits on a continuation of its own: end it on shutdown and on cancellation.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    for lane in lanes {
                        group.addTask {
                            while let batch = await lane.take(upTo: Self.batchSize) {
                                await self.deliver(batch)
                                self.delivered(batch.count)
                            }
                        }
                    }
                }
            } onGracefulShutdown: { [lanes] in
                for lane in lanes { lane.finish() }
            }
        } onCancel: { [lanes] in
            for lane in lanes { lane.finish() }
        }
    }

    private func delivered(_ count: Int) {
        backlog.withLockedValue { backlog in
            backlog.waiting -= count
            backlog.delivered += count
            if let since = backlog.droppingSince, backlog.waiting < Self.capacity / 2 {
                logger.warning("event queue below half: meter values flow again", metadata: [
                    "dropped": "\(backlog.dropped)", "seconds": "\(Int((ContinuousClock.now - since).seconds))",
                ])
                backlog.droppingSince = nil
                backlog.dropped = 0
            }
        }
    }

    /// Statuses worth another try: the backend is busy, restarting, or not configured yet.
    static func isRetryable(_ status: UInt) -> Bool {
        status >= 500 || [401, 403, 408, 425, 429].contains(status)
    }

    /// One request for the batch: a single event as an object, several as an array.
    private func deliver(_ traced: [TracedEvent]) async {
        var attempt = 0
        let batch = traced.map(\.event)
        let json = batch.count == 1 ? FleetSimulator.json(batch[0]) : .array(batch.map(FleetSimulator.json))
        let body = ByteBuffer(bytes: JSONWriter.bytes(json))
        let first = batch[0].event
        let trace = traced[0].trace
        let call = trace?.child()
        let started = Date()
        func record(status: Int?, failed: Bool, detail: String? = nil) {
            guard let traces, let trace, let call else { return }
            let names = Array(Set(batch.map(\.event.rawValue))).sorted().joined(separator: ", ")
            traces.record(
                "POST /api/cms/events (\(names))", span: call, parentSpanID: trace.spanID, started: started, status: status,
                failed: failed, detail: detail ?? (attempt > 0 ? "after \(attempt) retries" : nil))
        }
        while true {
            do {
                var request = HTTPClientRequest.jsonPost(url: endpoint, bearer: secret, body: body)
                if let call { request.headers.add(name: "traceparent", value: call.description) }
                let response = try await httpClient.execute(request, timeout: .seconds(10))
                let answer = try await response.body.collect(upTo: 1 << 20)
                let status = response.status.code
                if (200..<300).contains(status) {
                    logRefusals(in: answer, of: batch)
                    record(status: Int(status), failed: false)
                    return
                }
                if !Self.isRetryable(status) {
                    // The backend will never take it; retrying would block the chargers' events.
                    logger.error("backend refused events", metadata: [
                        "event": "\(first)", "events": "\(batch.count)", "status": "\(status)", "body": "\(String(buffer: answer).prefix(200))",
                    ])
                    record(status: Int(status), failed: true, detail: "refused: \(String(buffer: answer).prefix(200))")
                    return
                }
                if attempt == 0 { logger.warning("backend failed events; retrying", metadata: ["event": "\(first)", "status": "\(status)"]) }
            } catch {
                if Task.isCancelled { return }
                if attempt == 0 { logger.warning("backend unreachable; retrying", metadata: ["event": "\(first)", "error": "\(error)"]) }
            }
            // While shutting down, each batch gets one attempt: a dead backend must not hold the exit.
            if Task.isShuttingDownGracefully {
                logger.error("shutting down with the backend unreachable; events lost", metadata: ["events": "\(batch.count)"])
                record(status: nil, failed: true, detail: "lost: the backend was unreachable at shutdown")
                return
            }
            attempt += 1
            try? await Task.sleep(for: .milliseconds(min(5000, 100 << min(attempt, 6))))
            if Task.isCancelled { return }
        }
    }

    /// A batch is taken whole; the events the backend refused in it are listed in the answer.
    private func logRefusals(in answer: ByteBuffer, of batch: [CMSEvent]) {
        guard batch.count > 1, case .array(let refused)? = (try? JSONReader.parse(answer.readableBytesView))?["refused"] else { return }
        for refusal in refused {
            guard let index = refusal["index"]?.intValue, batch.indices.contains(index) else { continue }
            logger.error("backend refused event", metadata: [
                "event": "\(batch[index].event)", "charger": "\(batch[index].chargerID)", "reason": "\(refusal["message"]?.stringValue ?? "?")",
            ])
        }
    }
}

/// An event and the trace of the request it was emitted for.
struct TracedEvent: Sendable {
    let event: CMSEvent
    let trace: TraceParent?
}

/// One lane's queue: events in order, taken a batch at a time (a batch keeps to one trace).
final class EventLane: Sendable {
    private struct State {
        var events = CircularBuffer<TracedEvent>()
        var waiter: CheckedContinuation<Void, Never>?
        var finished = false
    }

    private let state = NIOLockedValueBox(State())

    func append(_ event: TracedEvent) {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.events.append(event)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func finish() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            state.finished = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Up to `limit` events once there is at least one; nil once finished and empty.
    func take(upTo limit: Int) async -> [TracedEvent]? {
        while true {
            let taken = state.withLockedValue { state -> [TracedEvent]?? in
                if let trace = state.events.first?.trace {
                    let count = min(limit, state.events.prefix { $0.trace == trace }.count)
                    defer { state.events.removeFirst(count) }
                    return .some(Array(state.events.prefix(count)))
                }
                if !state.events.isEmpty {
                    let count = min(limit, state.events.prefix { $0.trace == nil }.count)
                    defer { state.events.removeFirst(count) }
                    return .some(Array(state.events.prefix(count)))
                }
                return state.finished ? .some(nil) : .none
            }
            if let taken { return taken }
            await withCheckedContinuation { continuation in
                let ready = state.withLockedValue { state -> Bool in
                    if !state.events.isEmpty || state.finished { return true }
                    state.waiter = continuation
                    return false
                }
                if ready { continuation.resume() }
            }
        }
    }
}
