import Foundation
import Hummingbird
import Messages

/// JSON answers with the status Laravel would use.
enum JSONResponse {
    static func make<Body: Encodable>(_ body: Body, status: HTTPResponse.Status = .ok) -> Response {
        // JSONWriter writes JSONCoding's bytes without Foundation's encoder (measured: a third of
        // a read's CPU time).
        let bytes = (try? JSONValue(encoding: body)).map(JSONWriter.bytes) ?? Array("{}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func message(_ text: String, status: HTTPResponse.Status) -> Response {
        make(["message": text], status: status)
    }

    static let unauthenticated = message("Unauthenticated.", status: .unauthorized)
    /// Laravel's `PostTooLargeException`.
    static let payloadTooLarge = message("The POST data is too large.", status: .contentTooLarge)
    /// Laravel's production 500: the details go to the log only.
    static let serverError = message("Server Error", status: .internalServerError)
}

/// A refusal in the spec's error shape, with its HTTP status.
struct ActionFailure: Error {
    var status: HTTPResponse.Status
    var error: String
    var message: String
    var fieldErrors: [String: [String]]? = nil

    var response: Response {
        var body: [String: JSONValue] = ["success": false, "error": .string(error), "message": .string(message)]
        if let fieldErrors {
            body["errors"] = .object(fieldErrors.mapValues { .array($0.map { .string($0) }) })
        }
        return JSONResponse.make(JSONValue.object(body), status: status)
    }

    static func validation(_ field: String, _ message: String) -> ActionFailure {
        ActionFailure(status: .unprocessableContent, error: "Validation failed", message: message, fieldErrors: [field: [message]])
    }

    static let chargerNotAvailable = ActionFailure(
        status: .conflict, error: "Charger not available", message: "The requested charger is currently unavailable")
}
