import Foundation
import Logging
import Messages
import NIOCore
import NIOHTTP1
import ServiceRuntime

/// Spec section 2: forwards an action to the backend and turns whatever happens into a
/// `BackendResponse`. It never throws: a backend that is down, slow or confused still gives the
/// app an answer, within the timeout.
struct BackendForwarder: Sendable {
    let client: BackendHTTPClient
    let timeout: TimeAmount
    let logger: Logger

    // The `error` texts of the failures the gateway makes up itself.
    static let unavailable = "Backend unavailable"
    static let timeout = "Backend timeout"
    static let badResponse = "Invalid backend response"
    static let backendError = "Backend error"

    /// Runs on `eventLoop` from end to end (the backend connection too), so that an action costs
    /// no thread hops: `completion` runs on the socket's own loop.
    func forward(action: ActionName, data: JSONValue, userID: Int, token: String, on eventLoop: any EventLoop,
                 completion: @escaping (BackendResponse) -> Void) {
        let body = ByteBuffer(bytes: JSONWriter.bytes(BackendRequest(action: action, data: data, userId: userID).json))
        let started = NIODeadline.now()
        client.post(body: body, bearer: token, on: eventLoop, deadline: started + timeout) { [logger, timeout] result in
            switch result {
            case .success(let response):
                logger.debug("backend answered", metadata: [
                    "action": "\(action)", "status": "\(response.status.code)",
                    "elapsed": "\(NIODeadline.now() - started)",
                ])
                completion(Self.interpret(status: response.status, body: response.body))
            case .failure(let error):
                completion(Self.failure(for: error, action: action, timeout: timeout, logger: logger))
            }
        }
    }

    /// What the app is told when the call itself failed.
    static func failure(for error: any Error, action: ActionName, timeout: TimeAmount, logger: Logger) -> BackendResponse {
        switch error {
        case BackendHTTPClient.CallError.timeout, ChannelError.connectTimeout:
            logger.warning("backend timed out", metadata: ["action": "\(action)"])
            return .failure(
                Self.timeout,
                message: "The backend did not answer within \(timeout.nanoseconds / 1_000_000_000) seconds")
        case BackendHTTPClient.CallError.responseTooBig:
            logger.warning("backend answer too large", metadata: ["action": "\(action)"])
            return .failure(Self.badResponse, message: "The backend's answer was too large")
        case BackendHTTPClient.CallError.malformedResponse:
            logger.warning("backend answer is not HTTP", metadata: ["action": "\(action)"])
            return .failure(Self.badResponse, message: "The backend's answer is not valid HTTP")
        default:
            logger.warning("backend unavailable", metadata: ["action": "\(action)", "error": "\(error)"])
            return .failure(Self.unavailable, message: "The backend could not be reached")
        }
    }

    /// The spec's body (success or error) whatever the status; anything else is a clear error.
    static func interpret(status: HTTPResponseStatus, body: ByteBuffer) -> BackendResponse {
        let parsed = try? JSONReader.parse(body.readableBytesView)
        if let parsed, case .bool(let success)? = parsed["success"] {
            if success {
                let data = parsed["data"].flatMap { $0.objectValue != nil ? $0 : nil } ?? .object([:])
                return BackendResponse(success: true, data: data)
            }
            return .failure(
                parsed["error"]?.stringValue ?? "Request failed",
                message: parsed["message"]?.stringValue ?? parsed["error"]?.stringValue ?? "The backend refused the request")
        }
        // Laravel's own errors (401, 404, 500, ...) carry only `message`.
        let detail = parsed?["message"]?.stringValue
        if (200..<300).contains(status.code) {
            return .failure(badResponse, message: "The backend's answer is not the expected JSON")
        }
        return .failure(backendError, message: detail ?? "The backend answered with HTTP \(status.code)")
    }
}
