import Messages

/// What one side answers to the CALLs it takes, by action: each handler gets the request
/// checked against its schema and returns the answer, which is checked before it leaves.
public struct OCPPHandlers: Sendable {
    /// The answer, and what to do once it has been sent (nil: nothing).
    typealias Handler = @Sendable (JSONValue) async -> (answer: Result<JSONValue, OCPPError>, then: FollowUp?)
    typealias FollowUp = @Sendable () async -> Void
    private(set) var handlers: [OCPPAction: Handler] = [:]

    public init() {}

    /// Answers `Request`. A handler that throws an `OCPPError` sends it as the CALLERROR; any
    /// other error is sent as InternalError. `then` runs once the answer has been sent: what a
    /// charge point does after it accepted a command (a remote start's StartTransaction comes
    /// after the RemoteStartTransaction's CALLRESULT, not before it).
    public mutating func on<Request: OCPPRequest>(
        _: Request.Type, _ handle: @escaping @Sendable (Request) async throws -> Request.Response,
        then followUp: (@Sendable (Request, Request.Response) async -> Void)? = nil
    ) {
        let handler: Handler = { json in
            let request: Request
            do throws(OCPPError) {
                request = try Request(validating: json)
            } catch {
                return (.failure(error), nil)
            }
            let response: Request.Response
            do {
                response = try await handle(request)
            } catch let error as OCPPError {
                return (.failure(error), nil)
            } catch {
                return (.failure(OCPPError(.internalError, "\(Request.action.rawValue) failed: \(error)")), nil)
            }
            do throws(OCPPError) {
                let answer = try response.validatedJSON()
                guard let followUp else { return (.success(answer), nil) }
                let then: FollowUp = { await followUp(request, response) }
                return (.success(answer), then)
            } catch {
                return (.failure(error), nil)
            }
        }
        handlers[Request.action] = handler
    }

    /// The answer to one CALL: the handler's, or the CALLERROR the specification names.
    func answer(action name: String, payload: JSONValue) async -> (answer: Result<JSONValue, OCPPError>, then: FollowUp?) {
        guard let action = OCPPAction(rawValue: name) else {
            return (.failure(OCPPError(.notImplemented, "\(name) is not an OCPP 1.6 action")), nil)
        }
        guard let handler = handlers[action] else {
            return (.failure(OCPPError(.notSupported, "\(name) is not supported here")), nil)
        }
        return await handler(payload)
    }
}
