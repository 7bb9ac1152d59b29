import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import Messages
import NIOConcurrencyHelpers
import ServiceRuntime
import Testing
import TestSupport

@testable import ChargerSim

/// A backend stand-in for `/api/cms/events` that fails as told, then records what it takes.
final class EventSink: Sendable {
    private let state = NIOLockedValueBox((failuresLeft: 0, failure: HTTPResponse.Status.serviceUnavailable, received: [CMSEvent](), batches: 0, requests: 0))

    init(failures: Int, with failure: HTTPResponse.Status) {
        state.withLockedValue { $0.failuresLeft = failures; $0.failure = failure }
    }

    var received: [CMSEvent] { state.withLockedValue { $0.received } }
    /// Requests that delivered events.
    var batches: Int { state.withLockedValue { $0.batches } }
    /// Every request, answered or failed.
    var requests: Int { state.withLockedValue { $0.requests } }

    func application(onBound: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.post("/api/cms/events") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            // One event, or a batch of them.
            let json = try JSONReader.parse(body.readableBytesView)
            let events: [CMSEvent?] = if case .array(let items) = json { items.map(CMSEvent.init(json:)) } else { [CMSEvent(json: json)] }
            let status = self.state.withLockedValue { state -> HTTPResponse.Status in
                state.requests += 1
                if state.failuresLeft > 0 {
                    state.failuresLeft -= 1
                    return state.failure
                }
                guard events.allSatisfy({ $0 != nil }) else { return .unprocessableContent }
                state.received += events.compactMap { $0 }
                state.batches += 1
                return .ok
            }
            return Response(status: status)
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                           onServerRunning: { onBound($0.localAddress!.port!) }, logger: Logger(label: "sink"))
    }
}

@Suite("charger-sim event delivery")
struct EventDeliveryTests {
    /// Queues `events`, then runs the delivery to `sink` until `delivered` holds.
    func deliver(_ events: [CMSEvent], to sink: EventSink, until delivered: @escaping @Sendable () -> Bool) async throws -> EventDelivery {
        let port = Announcement<Int>()
        let httpClient = HTTPClient.makeFailFast()
        defer { _ = httpClient.shutdown() }
        return try await withServices([sink.application { port.announce($0) }]) {
            let delivery = EventDelivery(
                httpClient: httpClient, backendURL: "http://127.0.0.1:\(await port.value)", secret: "s", logger: Logger(label: "delivery"))
            for event in events { delivery.enqueue(event) }
            try await withServices([delivery]) {
                try await waitUntil(timeout: .seconds(30), delivered)
            }
            return delivery
        }
    }

    @Test(arguments: [HTTPResponse.Status.serviceUnavailable, .tooManyRequests, .unauthorized])
    func eventsWaitOutAFailingBackendAndArriveInOrderPerCharger(failure: HTTPResponse.Status) async throws {
        let sink = EventSink(failures: 8, with: failure)
        let chargers = ["CP001", "CP002", "CP003", "CP004"]
        let events = (0..<25).flatMap { sequence in
            chargers.map { CMSEvent(event: .meterValue, chargerID: $0, connectorID: 1, transactionID: sequence, data: [:]) }
        }
        let delivery = try await deliver(events, to: sink) { sink.received.count == 100 }
        for charger in chargers {
            #expect(sink.received.filter { $0.chargerID == charger }.map(\.transactionID) == Array(0..<25).map { $0 })
        }
        #expect(delivery.waiting == 0)
        // What queued up while the backend failed went out in batches.
        #expect(sink.batches < 100)
    }

    @Test func aRequestTheBackendWillNeverTakeDoesNotBlockWhatFollows() async throws {
        let sink = EventSink(failures: 1, with: .unprocessableContent)
        // The first request is refused for good: it is not retried.
        _ = try await deliver([CMSEvent(event: .statusChanged, chargerID: "CP001", connectorID: 1, transactionID: 0)], to: sink) {
            sink.requests == 1
        }
        let later = (1...2).map { CMSEvent(event: .statusChanged, chargerID: "CP001", connectorID: 1, transactionID: $0) }
        _ = try await deliver(later, to: sink) { sink.received.count == 2 }
        #expect(sink.received.map(\.transactionID) == [1, 2])
        #expect(sink.requests <= 3)
    }

    @Test func retryableStatusesAreTheTransientOnes() {
        #expect([500, 502, 503, 401, 403, 408, 429].allSatisfy(EventDelivery.isRetryable))
        #expect(![400, 404, 409, 422].contains(where: EventDelivery.isRetryable))
    }
}
