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
    static func present(_ field: String) -> String { "The \(name(field)) field must be present." }
    static func array(_ field: String) -> String { "The \(name(field)) field must be an array." }

    /// Laravel's displayable attribute: `str_replace('_', ' ', Str::snake($attribute))`, so
    /// `userId` reads "user id" too.
    static func name(_ field: String) -> String {
        var snake = ""
        for character in field {
            if character.isUppercase, !snake.isEmpty, snake.last != "_" { snake.append("_") }
            snake.append(contentsOf: character.lowercased())
        }
        return snake.replacingOccurrences(of: "_", with: " ")
    }
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

    /// The first message, as the validator's exception has it.
    var firstMessage: String { fields.first?.messages.first ?? "The given data was invalid." }

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

/// The fields of a request body, sent as JSON or as an HTML form, as Laravel reads both. A body
/// that is not a JSON object has no fields, as for Laravel, so every required one is missing.
struct RequestFields: Sendable {
    private let values: [String: JSONValue]

    init(json: JSONValue?) {
        values = json?.objectValue ?? [:]
    }

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
        guard !isMissing(values[field]), let value = values[field] else {
            errors.add(field, LaravelMessage.required(field))
            return nil
        }
        guard let text = value.stringValue else {
            errors.add(field, LaravelMessage.string(field))
            return nil
        }
        return text
    }

    /// Laravel's `required`: absent, null, a blank string (its middleware trims and nulls those)
    /// and an empty array fail it.
    private func isMissing(_ value: JSONValue?) -> Bool {
        switch value {
        case nil, .null?: true
        case .string(let text)?: text.allSatisfy(\.isWhitespace)
        case .array(let items)?: items.isEmpty
        case .object(let members)?: members.isEmpty
        default: false
        }
    }

    /// `required|integer`: an integer, or a string or float PHP's `FILTER_VALIDATE_INT` reads as one.
    func requiredInteger(_ field: String, errors: inout ValidationErrors) -> Int? {
        let value = values[field]
        guard !isMissing(value), let value else {
            errors.add(field, LaravelMessage.required(field))
            return nil
        }
        switch value {
        case .int(let number):
            return number
        case .double(let number) where number.rounded() == number && abs(number) < 9.2e18:
            return Int(number)
        case .string(let text):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            let digits = trimmed.hasPrefix("-") || trimmed.hasPrefix("+") ? trimmed.dropFirst() : Substring(trimmed)
            if let number = Int(trimmed.hasPrefix("+") ? String(digits) : trimmed), digits == "0" || !digits.hasPrefix("0") {
                return number
            }
        default:
            break
        }
        errors.add(field, LaravelMessage.integer(field))
        return nil
    }

    /// `nullable|integer`: absent or null is nil; anything else must be an integer.
    func nullableInteger(_ field: String, errors: inout ValidationErrors) -> Int?? {
        guard let value = values[field], !value.isNull else { return .some(nil) }
        return requiredInteger(field, errors: &errors).map { .some($0) }
    }

    /// `nullable|array`: absent or null is an empty object.
    func nullableArray(_ field: String, errors: inout ValidationErrors) -> JSONValue? {
        guard let value = values[field], !value.isNull else { return .object([:]) }
        return presentArray(field, errors: &errors)
    }

    /// `present|array`: an object (PHP cannot tell `[]` from `{}`, so an empty list is one too);
    /// a list's items are keyed by index, as PHP's arrays are.
    func presentArray(_ field: String, errors: inout ValidationErrors) -> JSONValue? {
        guard let value = values[field] else {
            errors.add(field, LaravelMessage.present(field))
            return nil
        }
        switch value {
        case .object:
            return value
        case .array(let items):
            return .object(Dictionary(uniqueKeysWithValues: items.enumerated().map { (String($0.offset), $0.element) }))
        default:
            errors.add(field, LaravelMessage.array(field))
            return nil
        }
    }

    /// An optional string field (nil when absent or not a string).
    func optionalString(_ field: String) -> String? { values[field]?.stringValue }
}
