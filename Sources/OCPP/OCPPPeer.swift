import Logging
import Messages

/// Why a CALL this side sent did not get its answer.
public enum OCPPCallFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The peer answered with a CALLERROR.
    case callError(OCPPError)
    /// The peer's CALLRESULT breaks the answer's schema.
    case invalidResponse(OCPPError)
    /// This side's own request breaks its schema; it was not sent.
    case invalidRequest(OCPPError)
    case timedOut(action: String)
    case connectionClosed

    public var description: String {
        switch self {
        case .callError(let error): "CALLERROR \(error)"
        case .invalidResponse(let error): "invalid CALLRESULT: \(error)"
        case .invalidRequest(let error): "not sent, invalid request: \(error)"
        case .timedOut(let action): "\(action) got no answer in time"
        case .connectionClosed: "the connection closed"
        }
    }
}

/// One end of an OCPP-J connection, above the WebSocket: it matches answers to CALLs, sends
/// one CALL at a time (OCPP-J 4.1.1: a side waits for the answer or the timeout before its next
/// CALL), answers the peer's CALLs through `OCPPHandlers`, and checks every payload both ways.
///
/// The transport gives it each text message with `received(_:)` and sends what `send` is given.
public actor OCPPPeer {
    private struct Pending {
        var action: OCPPAction
        var continuation: CheckedContinuation<JSONValue, any Error>
    }

    private let send: @Sendable (String) async throws -> Void
    private let handlers: OCPPHandlers
    private let callTimeout: Duration
    private let logger: Logger
    private var pending: [String: Pending] = [:]
    private var callInFlight = false
    private var turnWaiters: [CheckedContinuation<Bool, Never>] = []
    private var nextID: UInt64 = 0
    private var closed = false

    /// `logger` should carry the charge point's id in its metadata.
    public init(handlers: OCPPHandlers, callTimeout: Duration = .seconds(30), logger: Logger,
                send: @escaping @Sendable (String) async throws -> Void) {
        self.handlers = handlers
        self.callTimeout = callTimeout
        self.logger = logger
        self.send = send
    }

    /// Sends `request` and returns the peer's answer, after the CALLs sent before it.
    public func call<Request: OCPPRequest>(_ request: Request) async throws(OCPPCallFailure) -> Request.Response {
        let payload: JSONValue
        do {
            payload = try request.validatedJSON()
        } catch {
            throw .invalidRequest(error)
        }
        let json = try await call(Request.action, payload: payload)
        do {
            return try Request.Response(validating: json)
        } catch {
            logger.warning("invalid CALLRESULT", metadata: ["action": "\(Request.action.rawValue)", "error": "\(error)"])
            throw .invalidResponse(error)
        }
    }

    private func call(_ action: OCPPAction, payload: JSONValue) async throws(OCPPCallFailure) -> JSONValue {
        guard await takeTurn() else { throw .connectionClosed }
        defer { passTurn() }
        nextID &+= 1
        let id = String(nextID)
        let text = OCPPMessage.call(id: id, action: action.rawValue, payload: payload).text
        let timeout = callTimeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            await self?.expire(id)
        }
        defer { timer.cancel() }
        do {
            return try await withCheckedThrowingContinuation { continuation in
                pending[id] = Pending(action: action, continuation: continuation)
                Task { await self.transmit(text, failing: id) }
            }
        } catch let failure as OCPPCallFailure {
            throw failure
        } catch {
            throw .connectionClosed
        }
    }

    private func transmit(_ text: String, failing id: String) async {
        logger.trace("ocpp out", metadata: ["message": "\(text)"])
        do {
            try await send(text)
        } catch {
            pending.removeValue(forKey: id)?.continuation.resume(throwing: OCPPCallFailure.connectionClosed)
        }
    }

    private func expire(_ id: String) {
        guard let call = pending.removeValue(forKey: id) else { return }
        logger.warning("CALL timed out", metadata: ["action": "\(call.action.rawValue)", "id": "\(id)"])
        call.continuation.resume(throwing: OCPPCallFailure.timedOut(action: call.action.rawValue))
    }

    private func takeTurn() async -> Bool {
        if closed { return false }
        if !callInFlight {
            callInFlight = true
            return true
        }
        return await withCheckedContinuation { turnWaiters.append($0) }
    }

    private func passTurn() {
        if turnWaiters.isEmpty {
            callInFlight = false
        } else {
            turnWaiters.removeFirst().resume(returning: !closed)
        }
    }

    /// One text message from the peer. A CALL is answered in a task of its own, so a slow
    /// handler does not hold the answers to this side's CALLs.
    public func received(_ text: String) {
        logger.trace("ocpp in", metadata: ["message": "\(text)"])
        let message: OCPPMessage
        do {
            message = try OCPPMessage.parse(text)
        } catch {
            logger.warning("malformed OCPP-J message", metadata: ["error": "\(error.error)"])
            if let reply = error.reply { Task { try? await send(reply.text) } }
            return
        }
        switch message {
        case .call(let id, let action, let payload):
            Task { [handlers, send, logger] in
                let answer: OCPPMessage
                let (result, followUp) = await handlers.answer(action: action, payload: payload)
                switch result {
                case .success(let json): answer = .callResult(id: id, payload: json)
                case .failure(let error):
                    logger.info("CALL refused", metadata: ["action": "\(action)", "error": "\(error)"])
                    answer = .callError(id: id, error: error)
                }
                try? await send(answer.text)
                await followUp?()
            }
        case .callResult(let id, let payload):
            guard let call = pending.removeValue(forKey: id) else {
                logger.warning("CALLRESULT for no CALL of ours", metadata: ["id": "\(id)"])
                return
            }
            call.continuation.resume(returning: payload)
        case .callError(let id, let error):
            guard let call = pending.removeValue(forKey: id) else {
                logger.warning("CALLERROR for no CALL of ours", metadata: ["id": "\(id)", "error": "\(error)"])
                return
            }
            call.continuation.resume(throwing: OCPPCallFailure.callError(error))
        }
    }

    /// The connection is gone: every CALL waiting for an answer or its turn fails.
    public func close() {
        closed = true
        for (_, call) in pending { call.continuation.resume(throwing: OCPPCallFailure.connectionClosed) }
        pending = [:]
        for waiter in turnWaiters { waiter.resume(returning: false) }
        turnWaiters = []
    }
}
