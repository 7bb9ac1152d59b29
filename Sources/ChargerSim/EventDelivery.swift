import AsyncHTTPClient
import Foundation
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
/// side (one lane could not carry a large fleet: each event waits for the previous answer).
///
/// Bounded: past `capacity` waiting events, new meter values are dropped (one log line when it
/// starts, one when it is over). A meter value carries the register, so the next one makes up
/// for it; every other event is kept.
final class EventDelivery: Service, Sendable {
    static let capacity = 100_000
    static let laneCount = 32

    private struct Lane {
        let stream: AsyncStream<CMSEvent>
        let continuation: AsyncStream<CMSEvent>.Continuation
    }

    private struct Backlog {
        var waiting = 0
        var delivered = 0
        var droppingSince: ContinuousClock.Instant?
        var dropped = 0
        var droppedInAll = 0
    }

    private let lanes: [Lane]
    private let backlog = NIOLockedValueBox(Backlog())
    private let httpClient: HTTPClient
    private let endpoint: String
    private let secret: String
    private let logger: Logger

    init(httpClient: HTTPClient, backendURL: String, secret: String, logger: Logger) {
        lanes = (0..<Self.laneCount).map { _ in
            let (stream, continuation) = AsyncStream.makeStream(of: CMSEvent.self)
            return Lane(stream: stream, continuation: continuation)
        }
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
        if accepted { lanes[Self.lane(of: event.chargerID)].continuation.yield(event) }
    }

    /// FNV-1a of the charger id: the same lane for the same charger, in every run.
    static func lane(of chargerID: String) -> Int {
        var hash: UInt32 = 2_166_136_261
        for byte in chargerID.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return Int(hash % UInt32(laneCount))
    }

    func run() async throws {
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                for lane in lanes {
                    group.addTask {
                        for await event in lane.stream {
                            await self.deliver(event)
                            self.delivered()
                        }
                    }
                }
            }
        } onGracefulShutdown: { [lanes] in
            for lane in lanes { lane.continuation.finish() }
        }
    }

    private func delivered() {
        backlog.withLockedValue { backlog in
            backlog.waiting -= 1
            backlog.delivered += 1
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

    private func deliver(_ event: CMSEvent) async {
        var attempt = 0
        let body = ByteBuffer(bytes: JSONWriter.bytes(FleetSimulator.json(event)))
        while true {
            do {
                let request = HTTPClientRequest.jsonPost(url: endpoint, bearer: secret, body: body)
                let response = try await httpClient.execute(request, timeout: .seconds(5))
                let answer = try await response.body.collect(upTo: 1 << 16)
                let status = response.status.code
                if (200..<300).contains(status) {
                    logger.debug("event delivered", metadata: ["event": "\(event.event)", "charger": "\(event.chargerID)"])
                    return
                }
                if !Self.isRetryable(status) {
                    // The backend will never take it; retrying would block the charger's events.
                    logger.error("backend refused event", metadata: [
                        "event": "\(event.event)", "status": "\(status)", "body": "\(String(buffer: answer).prefix(200))",
                    ])
                    return
                }
                if attempt == 0 { logger.warning("backend failed event; retrying", metadata: ["event": "\(event.event)", "status": "\(status)"]) }
            } catch {
                if Task.isCancelled { return }
                if attempt == 0 { logger.warning("backend unreachable; retrying", metadata: ["event": "\(event.event)", "error": "\(error)"]) }
            }
            // While shutting down, each event gets one attempt: a dead backend must not hold the exit.
            if Task.isShuttingDownGracefully {
                logger.error("shutting down with the backend unreachable; event lost", metadata: ["event": "\(event.event)"])
                return
            }
            attempt += 1
            try? await Task.sleep(for: .milliseconds(min(5000, 100 << min(attempt, 6))))
            if Task.isCancelled { return }
        }
    }
}
