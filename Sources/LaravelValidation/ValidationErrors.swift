import Messages

/// A Laravel validation failure: the messages per field, in the order of the rules.
public struct ValidationErrors: Error, Sendable {
    public init() {}

    public private(set) var fields: [(name: String, messages: [String])] = []

    public var isEmpty: Bool { fields.isEmpty }

    public mutating func add(_ field: String, _ message: String) {
        if let index = fields.firstIndex(where: { $0.name == field }) {
            fields[index].messages.append(message)
        } else {
            fields.append((field, [message]))
        }
    }

    /// The first message, as the validator's exception has it.
    public var firstMessage: String { fields.first?.messages.first ?? "The given data was invalid." }

    /// The validator's message: the first error, and how many more.
    public var message: String {
        let all = fields.flatMap(\.messages)
        var message = all.first ?? "The given data was invalid."
        if all.count > 1 {
            message += " (and \(all.count - 1) more error\(all.count == 2 ? "" : "s"))"
        }
        return message
    }

    /// The body of Laravel's 422: `{"message": ..., "errors": {field: [messages]}}`.
    public var body: JSONValue {
        let errors = JSONValue.object(Dictionary(uniqueKeysWithValues: fields.map { ($0.name, JSONValue.array($0.messages.map { .string($0) })) }))
        return .object(["message": .string(message), "errors": errors])
    }
}
