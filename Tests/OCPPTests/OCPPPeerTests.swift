import Logging
import Messages
import OCPP
import Synchronization
import Testing

/// Collects what a peer sends, and lets a test wait for the n-th message.
private actor Wire {
    private(set) var sent: [String] = []
    private var waiters: [(count: Int, continuation: CheckedContinuation<[String], Never>)] = []

    func append(_ text: String) {
        sent.append(text)
        let ready = waiters.filter { $0.count <= sent.count }
        waiters.removeAll { $0.count <= sent.count }
        for waiter in ready { waiter.continuation.resume(returning: sent) }
    }

    func messages(count: Int) async -> [String] {
        if sent.count >= count { return sent }
        return await withCheckedContinuation { waiters.append((count, $0)) }
    }
}

/// Counts how many CALLs a handler holds at once.
private actor Concurrency {
    private(set) var current = 0
    private(set) var highest = 0
    private(set) var total = 0
    func enter() { current += 1; total += 1; highest = max(highest, current) }
    func leave() { current -= 1 }
}

@Suite("OCPP-J peer")
struct OCPPPeerTests {
    private static let logger = Logger(label: "ocpp-test")

    /// A charge point and a central system joined back to back, as a WebSocket would join them.
    private static func pair(centralSystem: OCPPHandlers, chargePoint: OCPPHandlers = OCPPHandlers(),
                             callTimeout: Duration = .seconds(5)) -> (chargePoint: OCPPPeer, centralSystem: OCPPPeer) {
        let link = PeerLink()
        let cp = OCPPPeer(handlers: chargePoint, callTimeout: callTimeout, logger: logger) { text in
            await link.centralSystem?.received(text)
        }
        let cs = OCPPPeer(handlers: centralSystem, callTimeout: callTimeout, logger: logger) { text in
            await link.chargePoint?.received(text)
        }
        link.join(chargePoint: cp, centralSystem: cs)
        return (cp, cs)
    }

    @Test func aCallGetsTheHandlersAnswer() async throws {
        var handlers = OCPPHandlers()
        handlers.on(BootNotificationRequest.self) { request in
            #expect(request.chargePointVendor == "VendorX")
            return BootNotificationResponse(status: .accepted, currentTime: "2026-12-06T10:00:00Z", interval: 300)
        }
        let peers = Self.pair(centralSystem: handlers)
        let answer = try await peers.chargePoint.call(BootNotificationRequest(chargePointVendor: "VendorX", chargePointModel: "M1"))
        #expect(answer == BootNotificationResponse(status: .accepted, currentTime: "2026-12-06T10:00:00Z", interval: 300))
    }

    @Test func anActionWithoutAHandlerIsNotSupported() async {
        let peers = Self.pair(centralSystem: OCPPHandlers())
        await #expect(throws: OCPPCallFailure.callError(OCPPError(.notSupported, "Heartbeat is not supported here"))) {
            try await peers.chargePoint.call(HeartbeatRequest())
        }
    }

    @Test func answersWhatItCannotReadWithTheCodeTheSpecificationNames() async throws {
        var handlers = OCPPHandlers()
        handlers.on(HeartbeatRequest.self) { _ in HeartbeatResponse(currentTime: "2026-12-06T10:00:00Z") }
        handlers.on(AuthorizeRequest.self) { _ in AuthorizeResponse(idTagInfo: IdTagInfo(status: .accepted)) }
        let wire = Wire()
        let peer = OCPPPeer(handlers: handlers, logger: Self.logger) { await wire.append($0) }
        await peer.received(#"[2,"1","UpdateFirmware",{}]"#)
        _ = await wire.messages(count: 1)
        await peer.received(#"[2,"2","SendAllTheThings",{}]"#)
        _ = await wire.messages(count: 2)
        await peer.received(#"[2,"3","Authorize",{"idTag":"0123456789012345678901"}]"#)
        _ = await wire.messages(count: 3)
        await peer.received(#"[2,"4","Authorize",{}]"#)
        _ = await wire.messages(count: 4)
        await peer.received("[2,\"5\",\"Heartbeat\"")
        _ = await wire.messages(count: 5)
        // The connection is still answering after all of that.
        await peer.received(#"[2,"6","Heartbeat",{}]"#)
        let sent = try await wire.messages(count: 6).map { try OCPPMessage.parse($0) }
        func code(_ message: OCPPMessage) -> OCPPErrorCode? {
            if case .callError(_, let error) = message { error.code } else { nil }
        }
        func id(_ message: OCPPMessage) -> String {
            switch message {
            case .call(let id, _, _), .callResult(let id, _), .callError(let id, _): id
            }
        }
        #expect(sent.map(id) == ["1", "2", "3", "4", "-1", "6"])
        #expect(sent.map(code) == [.notSupported, .notImplemented, .typeConstraintViolation,
                                   .occurrenceConstraintViolation, .formationViolation, nil])
        #expect(sent[5] == .callResult(id: "6", payload: ["currentTime": "2026-12-06T10:00:00Z"]))
    }

    @Test func anInvalidAnswerIsRefusedAndAnInvalidRequestIsNotSent() async throws {
        let wire = Wire()
        let peer = OCPPPeer(handlers: OCPPHandlers(), logger: Self.logger) { await wire.append($0) }
        let call = Task { try await peer.call(HeartbeatRequest()) }
        let sent = await wire.messages(count: 1)
        guard case .call(let id, "Heartbeat", [:]) = try OCPPMessage.parse(sent[0]) else {
            Issue.record("not a Heartbeat CALL: \(sent[0])")
            return
        }
        await peer.received(#"[3,"\#(id)",{"currentTime":"yesterday"}]"#)
        await #expect(throws: OCPPCallFailure.self) { try await call.value }
        if case .failure(.invalidResponse(let error)) = await call.result.mapError({ $0 as! OCPPCallFailure }) {
            #expect(error.code == .propertyConstraintViolation)
        } else {
            Issue.record("expected an invalid response")
        }

        await #expect(throws: OCPPCallFailure.self) {
            try await peer.call(AuthorizeRequest(idTag: String(repeating: "x", count: 21)))
        }
        #expect(await wire.sent.count == 1)
    }

    @Test func sendsOneCallAtATime() async throws {
        let inFlight = Concurrency()
        var handlers = OCPPHandlers()
        handlers.on(HeartbeatRequest.self) { _ in
            await inFlight.enter()
            await Task.yield()
            await inFlight.leave()
            return HeartbeatResponse(currentTime: "2026-12-06T10:00:00Z")
        }
        let peers = Self.pair(centralSystem: handlers)
        try await withThrowingTaskGroup(of: HeartbeatResponse.self) { group in
            for _ in 0..<20 { group.addTask { try await peers.chargePoint.call(HeartbeatRequest()) } }
            for try await answer in group { #expect(answer.currentTime == "2026-12-06T10:00:00Z") }
        }
        #expect(await inFlight.total == 20)
        #expect(await inFlight.highest == 1)
    }

    @Test func aCallWithoutAnAnswerTimesOutAndTheNextOneGoes() async throws {
        let wire = Wire()
        let peer = OCPPPeer(handlers: OCPPHandlers(), callTimeout: .milliseconds(100), logger: Self.logger) {
            await wire.append($0)
        }
        await #expect(throws: OCPPCallFailure.timedOut(action: "Heartbeat")) { try await peer.call(HeartbeatRequest()) }
        let next = Task { try await peer.call(HeartbeatRequest()) }
        let sent = await wire.messages(count: 2)
        guard case .call(let id, _, _) = try OCPPMessage.parse(sent[1]) else { return }
        await peer.received(#"[3,"\#(id)",{"currentTime":"2026-12-06T10:00:00Z"}]"#)
        #expect(try await next.value.currentTime == "2026-12-06T10:00:00Z")
    }

    @Test func closingFailsTheCallsThatWait() async throws {
        let wire = Wire()
        let peer = OCPPPeer(handlers: OCPPHandlers(), logger: Self.logger) { await wire.append($0) }
        let first = Task { try await peer.call(HeartbeatRequest()) }
        _ = await wire.messages(count: 1)
        let second = Task { try await peer.call(HeartbeatRequest()) }
        await Task.yield()
        await peer.close()
        await #expect(throws: OCPPCallFailure.connectionClosed) { try await first.value }
        await #expect(throws: OCPPCallFailure.connectionClosed) { try await second.value }
        await #expect(throws: OCPPCallFailure.connectionClosed) { try await peer.call(HeartbeatRequest()) }
        #expect(await wire.sent.count == 1)
    }
}

/// The two peers of `pair`, set once both exist.
private final class PeerLink: Sendable {
    private let peers = Mutex<(chargePoint: OCPPPeer?, centralSystem: OCPPPeer?)>((nil, nil))
    var chargePoint: OCPPPeer? { peers.withLock { $0.chargePoint } }
    var centralSystem: OCPPPeer? { peers.withLock { $0.centralSystem } }
    func join(chargePoint: OCPPPeer, centralSystem: OCPPPeer) { peers.withLock { $0 = (chargePoint, centralSystem) } }
}
