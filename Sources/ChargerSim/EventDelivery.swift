import AsyncHTTPClient
import Foundation
import Logging
import Messages
import NIOCore
import ServiceLifecycle
import ServiceRuntime

/// Sends CMS events to the backend, in order per charger, retrying while the backend is down.
///
/// Events go out on `laneCount` lanes, each one request at a time; a charger always uses the
/// same lane, so its events keep their order while different chargers' events travel side by
/// side (one lane could not carry a large fleet: each event waits for the previous answer).
/// Each lane's queue is bounded; when it is full, new events are dropped with an error in the log.
final class EventDelivery: Service, Sendable {
    static let capacity = 100_000
    static let laneCount = 32

    private struct Lane {
        let stream: AsyncStream<CMSEvent>
        let continuation: AsyncStream<CMSEvent>.Continuation
    }

    private let lanes: [Lane]
    private let httpClient: HTTPClient
    private let endpoint: String
    private let secret: String
    private let logger: Logger

    init(httpClient: HTTPClient, backendURL: String, secret: String, logger: Logger) {
        lanes = (0..<Self.laneCount).map { _ in
            let (stream, continuation) = AsyncStream.makeStream(
                of: CMSEvent.self, bufferingPolicy: .bufferingOldest(Self.capacity / Self.laneCount))
            return Lane(stream: stream, continuation: continuation)
        }
        self.httpClient = httpClient
        var base = backendURL
        while base.hasSuffix("/") { base.removeLast() }
        self.endpoint = base + "/api/cms/events"
        self.secret = secret
        self.logger = logger
    }

    func enqueue(_ event: CMSEvent) {
        if case .dropped = lanes[Self.lane(of: event.chargerID)].continuation.yield(event) {
            logger.error("event queue full; event dropped", metadata: ["event": "\(event.event)", "charger": "\(event.chargerID)"])
        }
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
                        }
                    }
                }
            }
        } onGracefulShutdown: { [lanes] in
            for lane in lanes { lane.continuation.finish() }
        }
    }

    private func deliver(_ event: CMSEvent) async {
        var attempt = 0
        while true {
            do {
                let request = HTTPClientRequest.jsonPost(url: endpoint, bearer: secret, body: ByteBuffer(bytes: try JSONCoding.encode(event)))
                let response = try await httpClient.execute(request, timeout: .seconds(5))
                let body = try await response.body.collect(upTo: 1 << 16)
                if (200..<300).contains(response.status.code) {
                    logger.debug("event delivered", metadata: ["event": "\(event.event)", "charger": "\(event.chargerID)"])
                    return
                }
                if (400..<500).contains(response.status.code) {
                    // The backend will never take it; retrying would block the queue.
                    logger.error("backend refused event", metadata: [
                        "event": "\(event.event)", "status": "\(response.status.code)", "body": "\(String(buffer: body).prefix(200))",
                    ])
                    return
                }
                logger.warning("backend failed event; retrying", metadata: ["status": "\(response.status.code)"])
            } catch {
                if Task.isCancelled { return }
                logger.warning("backend unreachable; retrying", metadata: ["event": "\(event.event)", "error": "\(error)"])
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
