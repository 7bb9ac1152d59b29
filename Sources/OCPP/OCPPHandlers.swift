import Messages

/// What one side answers to the CALLs it takes, by action: each handler gets the request
/// checked against its schema and returns the answer, which is checked before it leaves.
public struct OCPPHandlers: Sendable {
    typealias Handler = @Sendable (JSONValue) async -> Result<JSONValue, OCPPError>
    private(set) var handlers: [OCPPAction: Handler] = [:]

    public init() {}

    /// Answers `Request`. A handler that throws an `OCPPError` sends it as the CALLERROR; any
    /// other error is sent as InternalError.
    public mutating func on<Request: OCPPRequest>(
        _: Request.Type, _ handle: @escaping @Sendable (Request) async throws -> Request.Response
    ) {
        handlers[Request.action] = { json in
            let request: Request
            do throws(OCPPError) {
                request = try Request(validating: json)
            } catch {
                return .failure(error)
            }
            let response: Request.Response
            do {
                response = try await handle(request)
            } catch let error as OCPPError {
                return .failure(error)
            } catch {
                return .failure(OCPPError(.internalError, "\(Request.action.rawValue) failed: \(error)"))
            }
            do throws(OCPPError) {
                return .success(try response.validatedJSON())
            } catch {
                return .failure(error)
            }
        }
    }

    /// The answer to one CALL: the handler's, or the CALLERROR the specification names.
    func answer(action name: String, payload: JSONValue) async -> Result<JSONValue, OCPPError> {
        guard let action = OCPPAction(rawValue: name) else {
            return .failure(OCPPError(.notImplemented, "\(name) is not an OCPP 1.6 action"))
        }
        guard let handler = handlers[action] else {
            return .failure(OCPPError(.notSupported, "\(name) is not supported here"))
        }
        return await handler(payload)
    }
}
