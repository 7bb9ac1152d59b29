import Foundation
import Hummingbird
import Messages

/// Laravel's validation messages, in one place for every route: a field named `connector_id`
/// reads "connector id".
enum LaravelMessage {
    static func required(_ field: String) -> String { "The \(name(field)) field is required." }
    static func string(_ field: String) -> String { "The \(name(field)) field must be a string." }
    static func integer(_ field: String) -> String { "The \(name(field)) field must be an integer." }
    static func atLeast(_ field: String, _ minimum: Int) -> String { "The \(name(field)) field must be at least \(minimum)." }

    private static func name(_ field: String) -> String { field.replacingOccurrences(of: "_", with: " ") }
}

/// Laravel's validation failure outside the action endpoint: 422 with the first message (and
/// how many more) and every message per field.
struct ValidationErrors: Error {
    private(set) var fields: [(name: String, messages: [String])] = []

    var isEmpty: Bool { fields.isEmpty }

    mutating func add(_ field: String, _ message: String) {
        if let index = fields.firstIndex(where: { $0.name == field }) {
            fields[index].messages.append(message)
        } else {
            fields.append((field, [message]))
        }
    }

    var response: Response {
        let all = fields.flatMap(\.messages)
        var message = all.first ?? "The given data was invalid."
        if all.count > 1 {
            message += " (and \(all.count - 1) more error\(all.count == 2 ? "" : "s"))"
        }
        let errors = JSONValue.object(Dictionary(uniqueKeysWithValues: fields.map { ($0.name, JSONValue.array($0.messages.map { .string($0) })) }))
        return JSONResponse.make(JSONValue.object(["message": .string(message), "errors": errors]), status: .unprocessableContent)
    }
}

/// The fields of a request body, sent as JSON or as an HTML form, as Laravel reads both.
struct RequestFields: Sendable {
    private let values: [String: JSONValue]

    init(_ request: Request, limit: Int = 1 << 16) async throws {
        let body = try await request.body.collect(upTo: limit)
        let bytes = Data(body.readableBytesView)
        if request.headers[.contentType]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true {
            var components = URLComponents()
            components.percentEncodedQuery = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "+", with: "%20")
            values = Dictionary(
                (components.queryItems ?? []).map { ($0.name, JSONValue.string($0.value ?? "")) }, uniquingKeysWith: { _, last in last })
        } else if bytes.isEmpty {
            values = [:]
        } else {
            values = (try? JSONCoding.decode(JSONValue.self, from: bytes))?.objectValue ?? [:]
        }
    }

    /// A required string field; records Laravel's message when it is missing or not a string.
    func requiredString(_ field: String, errors: inout ValidationErrors) -> String? {
        guard let value = values[field], !value.isNull, value != .string("") else {
            errors.add(field, LaravelMessage.required(field))
            return nil
        }
        guard let text = value.stringValue else {
            errors.add(field, LaravelMessage.string(field))
            return nil
        }
        return text
    }

    /// An optional string field (nil when absent or not a string).
    func optionalString(_ field: String) -> String? { values[field]?.stringValue }
}
