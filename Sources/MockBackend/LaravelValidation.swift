import Foundation
import Hummingbird
import LaravelValidation
import Messages

extension RequestFields {
    /// The fields of a body sent as JSON or as an HTML form, as Laravel reads both.
    init(_ request: Request, limit: Int = 1 << 16) async throws {
        let body = try await request.body.collect(upTo: limit)
        let bytes = Data(body.readableBytesView)
        if request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            var components = URLComponents()
            components.percentEncodedQuery = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "+", with: "%20")
            self.init(values: Dictionary(
                (components.queryItems ?? []).map { ($0.name, JSONValue.string($0.value ?? "")) }, uniquingKeysWith: { _, last in last }))
        } else if bytes.isEmpty {
            self.init(values: [:])
        } else {
            self.init(json: try? JSONCoding.decode(JSONValue.self, from: bytes))
        }
    }
}

extension ValidationErrors {
    /// Laravel's 422.
    var response: Response {
        JSONResponse.make(body, status: .unprocessableContent)
    }
}
