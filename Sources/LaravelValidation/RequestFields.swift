import Foundation
import Messages

/// The fields of a request body, sent as JSON or as an HTML form, as Laravel reads both. A body
/// that is not a JSON object has no fields, as for Laravel, so every required one is missing.
public struct RequestFields: Sendable {
    private let values: [String: JSONValue]

    public init(json: JSONValue?) {
        values = json?.objectValue ?? [:]
    }

    public init(values: [String: JSONValue]) {
        self.values = values
    }

    /// A required string field; records Laravel's message when it is missing or not a string.
    public func requiredString(_ field: String, errors: inout ValidationErrors) -> String? {
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
    public func requiredInteger(_ field: String, errors: inout ValidationErrors) -> Int? {
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
    public func nullableInteger(_ field: String, errors: inout ValidationErrors) -> Int?? {
        guard let value = values[field], !value.isNull else { return .some(nil) }
        return requiredInteger(field, errors: &errors).map { .some($0) }
    }

    /// `nullable|array`: absent or null is an empty object.
    public func nullableArray(_ field: String, errors: inout ValidationErrors) -> JSONValue? {
        guard let value = values[field], !value.isNull else { return .object([:]) }
        return presentArray(field, errors: &errors)
    }

    /// `present|array`: an object (PHP cannot tell `[]` from `{}`, so an empty list is one too);
    /// a list's items are keyed by index, as PHP's arrays are.
    public func presentArray(_ field: String, errors: inout ValidationErrors) -> JSONValue? {
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
    public func optionalString(_ field: String) -> String? { values[field]?.stringValue }
}
