import Foundation
import HopTrace
import Logging
import Messages
import NIOCore
import NIOHTTP1
import ServiceRuntime

/// Spec section 2: forwards an action to the backend and turns whatever happens into a
/// `BackendAnswer`. It never throws: a backend that is down, slow or confused still gives the
/// app an answer, within the timeout.
struct BackendForwarder: Sendable {
    let client: BackendHTTPClient
    let timeout: TimeAmount
    /// nil when tracing is off.
    var traces: TraceRecorder? = nil
    let logger: Logger

    // The `error` texts of the failures the gateway makes up itself.
    static let unavailable = "Backend unavailable"
    static let timeout = "Backend timeout"
    static let badResponse = "Invalid backend response"
    static let backendError = "Backend error"

    /// Runs on `eventLoop` from end to end (the backend connection too), so that an action costs
    /// no thread hops: `completion` runs on the socket's own loop.
    /// `trace` is the action's span at the gateway: the call is a child of it, and its
    /// `traceparent` header lets the backend continue the trace.
    func forward(action: ActionName, data: ByteBuffer, userID: Int, token: String, trace: TraceParent, on eventLoop: any EventLoop,
                 completion: @escaping @Sendable (BackendAnswer) -> Void) {
        let body = Self.requestBody(action: action, data: data, userID: userID)
        let started = NIODeadline.now()
        let call = trace.child()
        let startedAt = traces == nil ? nil : Date()
        client.post(body: body, bearer: token, traceparent: call, on: eventLoop, deadline: started + timeout) {
            [logger, timeout, traces, target = client.endpoint.target] result in
            let answer: BackendAnswer
            switch result {
            case .success(let response):
                logger.debug("backend answered", metadata: [
                    "action": "\(action)", "status": "\(response.status.code)",
                    "elapsed": "\(NIODeadline.now() - started)",
                ])
                answer = Self.interpret(status: response.status, body: response.body)
                if let traces, let startedAt {
                    let status = Int(response.status.code)
                    traces.record("POST \(target)", span: call, parentSpanID: trace.spanID, started: startedAt, status: status,
                                  failed: status >= 500, detail: status >= 500 ? answer.errorText : nil)
                }
            case .failure(let error):
                answer = Self.failure(for: error, action: action, timeout: timeout, logger: logger)
                if let traces, let startedAt {
                    traces.record("POST \(target)", span: call, parentSpanID: trace.spanID, started: startedAt, failed: true,
                                  detail: answer.errorText)
                }
            }
            completion(answer)
        }
    }

    /// The spec's request, `{"action": ..., "data": {...}, "userId": ...}`, with `data` as the app
    /// wrote it; the client copies it into the request once.
    static func requestBody(action: ActionName, data: ByteBuffer, userID: Int) -> [UInt8] {
        var json: [UInt8] = []
        json.reserveCapacity(48 + data.readableBytes)
        json.append(contentsOf: #"{"action":"#.utf8)
        JSONWriter.writeString(action.rawValue, to: &json)
        json.append(contentsOf: #","data":"#.utf8)
        json.append(contentsOf: data.readableBytesView)
        json.append(contentsOf: #","userId":"#.utf8)
        json.append(contentsOf: String(userID).utf8)
        json.append(UInt8(ascii: "}"))
        return json
    }

    /// What the app is told when the call itself failed.
    static func failure(for error: any Error, action: ActionName, timeout: TimeAmount, logger: Logger) -> BackendAnswer {
        switch error {
        case BackendHTTPClient.CallError.timeout, ChannelError.connectTimeout:
            logger.warning("backend timed out", metadata: ["action": "\(action)"])
            return .failure(
                error: Self.timeout,
                message: "The backend did not answer within \(timeout.nanoseconds / 1_000_000_000) seconds")
        case BackendHTTPClient.CallError.responseTooBig:
            logger.warning("backend answer too large", metadata: ["action": "\(action)"])
            return .failure(error: Self.badResponse, message: "The backend's answer was too large")
        case BackendHTTPClient.CallError.malformedResponse:
            logger.warning("backend answer is not HTTP", metadata: ["action": "\(action)"])
            return .failure(error: Self.badResponse, message: "The backend's answer is not valid HTTP")
        default:
            logger.warning("backend unavailable", metadata: ["action": "\(action)", "error": "\(error)"])
            return .failure(error: Self.unavailable, message: "The backend could not be reached")
        }
    }

    /// The spec's body (success or error) whatever the status; anything else is a clear error.
    static func interpret(status: HTTPResponseStatus, body: ByteBuffer) -> BackendAnswer {
        body.withUnsafeReadableBytes { bytes in
            let members = (try? JSONReader.members(of: bytes)) ?? nil
            // As in any JSON object the gateway reads, the last of a repeated key counts.
            func range(_ key: String) -> Range<Int>? { members?.last { $0.key == key }?.value }
            func value(_ key: String) -> JSONValue? {
                range(key).flatMap { try? JSONReader.parse(UnsafeRawBufferPointer(rebasing: bytes[$0])) }
            }
            if case .bool(let success)? = value("success") {
                if success {
                    let data = range("data").flatMap { range in
                        bytes[range.lowerBound] == UInt8(ascii: "{")
                            ? body.getSlice(at: body.readerIndex + range.lowerBound, length: range.count) : nil
                    }
                    return .success(data: data)
                }
                let error = value("error")?.stringValue
                return .failure(
                    error: error ?? "Request failed",
                    message: value("message")?.stringValue ?? error ?? "The backend refused the request")
            }
            // Laravel's own errors (401, 404, 500, ...) carry only `message`.
            if (200..<300).contains(status.code) {
                return .failure(error: badResponse, message: "The backend's answer is not the expected JSON")
            }
            return .failure(
                error: backendError, message: value("message")?.stringValue ?? "The backend answered with HTTP \(status.code)")
        }
    }
}
