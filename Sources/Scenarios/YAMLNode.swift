import Foundation
import Messages
import Yams

/// A node of a scenario file with its place in the file, and typed reads that fail with
/// `file:line:column` and what was expected there.
struct YAMLNode {
    let node: Node
    let file: String

    var location: SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    func error(_ message: String) -> ScenarioFileError { ScenarioFileError(location, message) }

    /// An explicit tag such as `!number`; nil for the plain YAML types.
    var customTag: String? {
        let raw = node.tag.rawValue
        return raw.hasPrefix("!") && raw != "!" ? String(raw.dropFirst()) : nil
    }

    var isMapping: Bool { node.mapping != nil }
    var isScalar: Bool { node.scalar != nil }

    /// The pairs of a mapping, in file order, with the keys as strings.
    func mapping(_ what: String) throws -> [(key: String, keyNode: YAMLNode, value: YAMLNode)] {
        guard let mapping = node.mapping else { throw error("expected \(what) (a mapping of keys to values)") }
        return try mapping.map { pair in
            let key = YAMLNode(node: pair.key, file: file)
            guard let name = pair.key.scalar?.string else { throw key.error("expected a key name") }
            return (name, key, YAMLNode(node: pair.value, file: file))
        }
    }

    func sequence(_ what: String) throws -> [YAMLNode] {
        guard let sequence = node.sequence else { throw error("expected \(what) (a list)") }
        return sequence.map { YAMLNode(node: $0, file: file) }
    }

    func string(_ what: String) throws -> String {
        guard let scalar = node.scalar, customTag == nil else { throw error("expected \(what) (text)") }
        return scalar.string
    }

    /// The scalar's text whatever its tag: the argument of a matcher such as `!capture name`.
    func taggedText(_ what: String) throws -> String {
        guard let scalar = node.scalar else { throw error("expected \(what) (text)") }
        return scalar.string
    }

    func int(_ what: String) throws -> Int {
        guard let value = node.int else { throw error("expected \(what) (a whole number), found \(brief)") }
        return value
    }

    func double(_ what: String) throws -> Double {
        guard let value = node.float ?? node.int.map(Double.init) else { throw error("expected \(what) (a number), found \(brief)") }
        return value
    }

    func bool(_ what: String) throws -> Bool {
        guard let value = node.bool else { throw error("expected \(what) (true or false), found \(brief)") }
        return value
    }

    /// Seconds, from `500ms`, `2s`, `10m`, `1h30m` or a bare number of seconds.
    func duration(_ what: String) throws -> Double {
        if let number = node.float ?? node.int.map(Double.init), number >= 0 { return number }
        guard let text = node.scalar?.string, let seconds = DurationText.seconds(text) else {
            throw error("expected \(what) (a duration such as 500ms, 5s, 10m or 1h), found \(brief)")
        }
        return seconds
    }

    /// The node as plain JSON (tags not allowed).
    func json() throws -> JSONValue {
        if let tag = customTag { throw error("a matcher (!\(tag)) is not allowed here: this is a value to send") }
        switch node {
        case .scalar:
            return scalarValue
        case .mapping:
            var fields: [String: JSONValue] = [:]
            for pair in try mapping("an object") { fields[pair.key] = try pair.value.json() }
            return .object(fields)
        case .sequence:
            return .array(try sequence("an array").map { try $0.json() })
        case .alias:
            throw error("YAML aliases are not supported in scenarios")
        }
    }

    /// A scalar as the JSON type YAML gives it: quoted text stays text.
    var scalarValue: JSONValue {
        guard let scalar = node.scalar else { return .null }
        if scalar.style == .singleQuoted || scalar.style == .doubleQuoted || scalar.style == .literal || scalar.style == .folded {
            return .string(scalar.string)
        }
        switch node.tag.rawValue {
        case Tag.Name.null.rawValue: return .null
        case Tag.Name.bool.rawValue: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
        case Tag.Name.int.rawValue: return node.int.map(JSONValue.int) ?? .string(scalar.string)
        case Tag.Name.float.rawValue: return node.float.map(JSONValue.double) ?? .string(scalar.string)
        default: return .string(scalar.string)
        }
    }

    /// What the node holds, in a few words, for errors.
    var brief: String {
        switch node {
        case .scalar(let scalar): "\"\(scalar.string.prefix(40))\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}
