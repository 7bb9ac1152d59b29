import Foundation
import Messages

/// The values a scenario can refer to as `${name}`: the stack's URLs, each phone's user and
/// token, and what earlier steps captured.
public struct Variables: Sendable, Equatable {
    public var values: [String: JSONValue]

    public init(_ values: [String: JSONValue] = [:]) { self.values = values }

    public subscript(name: String) -> JSONValue? {
        get { values[name] }
        set { values[name] = newValue }
    }

    /// `value` with every `${name}` replaced. A string that is a single `${name}` becomes the
    /// variable's value with its type (a captured session id stays a number); within a longer
    /// string the variable's text goes in. An unknown name stays as written, so that the
    /// mismatch shows it.
    public func resolve(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let text): return resolve(text)
        case .array(let elements): return .array(elements.map(resolve))
        case .object(let fields): return .object(fields.mapValues(resolve))
        default: return value
        }
    }

    func resolve(_ text: String) -> JSONValue {
        guard text.contains("${") else { return .string(text) }
        if text.hasPrefix("${"), text.hasSuffix("}"), let name = Self.names(in: text).first, text == "${\(name)}", let value = values[name] {
            return value
        }
        return .string(interpolate(text))
    }

    /// `text` with each known `${name}` replaced by the variable's text.
    public func interpolate(_ text: String) -> String {
        var result = text
        for name in Self.names(in: text) {
            guard let value = values[name] else { continue }
            let replacement = value.stringValue ?? JSONWriter.string(value)
            result = result.replacingOccurrences(of: "${\(name)}", with: replacement)
        }
        return result
    }

    /// The names referred to in `text`, in order.
    public static func names(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            rest = rest[open.upperBound...]
            guard let close = rest.firstIndex(of: "}") else { break }
            names.append(String(rest[..<close]))
            rest = rest[rest.index(after: close)...]
        }
        return names
    }
}
