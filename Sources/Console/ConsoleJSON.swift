import Foundation
import HTTPTypes
import Hummingbird

/// The console's own JSON answers.
enum ConsoleJSON {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `{"message": ...}`, the shape Laravel's errors have, so the page reads every error alike.
    static func message(_ text: String, status: HTTPResponse.Status) -> Response {
        response(["message": text], status: status)
    }
}
