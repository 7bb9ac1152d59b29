import Foundation
import Messages

/// What a scenario expects of a JSON value. Objects match as a subset (the keys written must
/// match, others may be there too); everything else matches exactly unless a matcher (a YAML
/// tag such as `!number` or `!capture session_id`) says otherwise.
public indirect enum Pattern: Sendable, Equatable {
    /// Equal to this value once `${name}` in its strings is replaced.
    case literal(JSONValue)
    /// These keys, each matching; other keys are ignored.
    case object([String: Pattern])
    /// As many elements, each matching the pattern at its place.
    case array([Pattern])
    case any
    case number
    case integer
    case string
    case bool
    /// An ISO-8601 time.
    case timestamp
    /// The key must not be there.
    case absent
    /// Matches `pattern`, then keeps the value as `${name}` for the steps after.
    case capture(String, Pattern)
    /// A number from `low` to `high`, both included.
    case between(Double, Double)
    case atLeast(Double)
    case atMost(Double)
    /// A string that the regular expression matches somewhere.
    case regex(String)
    /// An array with at least one element that matches.
    case contains(Pattern)
    case oneOf([Pattern])

    /// Where and why a value does not match.
    public struct Mismatch: Error, Sendable, Equatable, CustomStringConvertible {
        public var path: String
        public var expected: String
        public var actual: String

        public var description: String { "\(path.isEmpty ? "the message" : path): expected \(expected), got \(actual)" }
    }

    /// Nil when `value` (nil: the key is absent) matches; the captures go to `captures`.
    public func match(
        _ value: JSONValue?, path: String = "", variables: Variables, captures: inout [String: JSONValue]
    ) -> Mismatch? {
        func fail(_ expected: String) -> Mismatch {
            Mismatch(path: path, expected: expected, actual: value.map(Self.describe) ?? "nothing (the key is absent)")
        }
        if case .absent = self { return value == nil ? nil : fail("no such key") }
        guard let value else { return fail(summary) }
        switch self {
        case .literal(let template):
            let expected = variables.resolve(template)
            return value == expected ? nil : fail(Self.describe(expected))
        case .object(let fields):
            guard case .object(let actual) = value else { return fail("an object") }
            for key in fields.keys.sorted() {
                let inner = path.isEmpty ? key : "\(path).\(key)"
                if let mismatch = fields[key]!.match(actual[key], path: inner, variables: variables, captures: &captures) { return mismatch }
            }
            return nil
        case .array(let elements):
            guard case .array(let actual) = value else { return fail("an array") }
            guard actual.count == elements.count else { return fail("an array of \(elements.count)") }
            for (index, element) in elements.enumerated() {
                if let mismatch = element.match(actual[index], path: "\(path)[\(index)]", variables: variables, captures: &captures) { return mismatch }
            }
            return nil
        case .any: return nil
        case .number: return value.doubleValue != nil ? nil : fail("a number")
        case .integer: return value.intValue != nil ? nil : fail("an integer")
        case .string: return value.stringValue != nil ? nil : fail("a string")
        case .bool: return value.boolValue != nil ? nil : fail("true or false")
        case .timestamp:
            return value.stringValue.flatMap(Timestamp.date(from:)) != nil ? nil : fail("an ISO-8601 timestamp")
        case .absent: return nil
        case .capture(let name, let inner):
            if let mismatch = inner.match(value, path: path, variables: variables, captures: &captures) { return mismatch }
            captures[name] = value
            return nil
        case .between(let low, let high):
            guard let number = value.doubleValue, number >= low, number <= high else { return fail("a number from \(low) to \(high)") }
            return nil
        case .atLeast(let low):
            guard let number = value.doubleValue, number >= low else { return fail("a number of at least \(low)") }
            return nil
        case .atMost(let high):
            guard let number = value.doubleValue, number <= high else { return fail("a number of at most \(high)") }
            return nil
        case .regex(let expression):
            guard let text = value.stringValue, text.range(of: expression, options: .regularExpression) != nil else {
                return fail("a string matching /\(expression)/")
            }
            return nil
        case .contains(let inner):
            guard case .array(let actual) = value else { return fail("an array") }
            for element in actual {
                var scratch = captures
                if inner.match(element, path: path, variables: variables, captures: &scratch) == nil {
                    captures = scratch
                    return nil
                }
            }
            return fail("an array with an element that is \(inner.summary)")
        case .oneOf(let choices):
            for choice in choices {
                var scratch = captures
                if choice.match(value, path: path, variables: variables, captures: &scratch) == nil {
                    captures = scratch
                    return nil
                }
            }
            return fail(summary)
        }
    }

    /// The pattern in a few words, for reports.
    public var summary: String {
        switch self {
        case .literal(let value): Self.describe(value)
        case .object(let fields): "{" + fields.keys.sorted().map { "\($0): \(fields[$0]!.summary)" }.joined(separator: ", ") + "}"
        case .array(let elements): "[" + elements.map(\.summary).joined(separator: ", ") + "]"
        case .any: "anything"
        case .number: "a number"
        case .integer: "an integer"
        case .string: "a string"
        case .bool: "true or false"
        case .timestamp: "a timestamp"
        case .absent: "absent"
        case .capture(let name, let inner): "\(inner.summary) (captured as $\(name))"
        case .between(let low, let high): "from \(low) to \(high)"
        case .atLeast(let low): "at least \(low)"
        case .atMost(let high): "at most \(high)"
        case .regex(let expression): "/\(expression)/"
        case .contains(let inner): "an array containing \(inner.summary)"
        case .oneOf(let choices): "one of " + choices.map(\.summary).joined(separator: " | ")
        }
    }

    static func describe(_ value: JSONValue) -> String {
        let text = JSONWriter.string(value)
        return text.count > 200 ? String(text.prefix(200)) + "..." : text
    }
}
