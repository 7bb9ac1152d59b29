/// 4.1: the first message on every accepted connection.
public struct ConnectedMessage: Codable, Sendable, Equatable {
    public var type: MessageType = .connected
    public var timestamp: String
    public var userId: Int

    public init(userId: Int, timestamp: String = Timestamp.now()) {
        self.userId = userId
        self.timestamp = timestamp
    }

    enum CodingKeys: String, CodingKey { case type, timestamp, userId }

    public init(from decoder: any Decoder) throws {
        try decoder.expectType(.connected)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        timestamp = try container.decode(String.self, forKey: .timestamp)
        userId = try container.decode(Int.self, forKey: .userId)
    }
}

/// 4.2: the answer to an action. `id` echoes the request's `id` (this project's extension)
/// and is absent when the request had none.
public struct ResponseMessage: Codable, Sendable, Equatable {
    public var type: MessageType = .response
    public var action: ActionName
    public var data: JSONValue
    public var timestamp: String
    public var id: JSONValue?

    public init(action: ActionName, data: JSONValue, id: JSONValue? = nil, timestamp: String = Timestamp.now()) {
        self.action = action
        self.data = data
        self.id = id
        self.timestamp = timestamp
    }

    /// `data.success`, false when missing.
    public var success: Bool { data["success"]?.boolValue ?? false }

    /// The same message as the `Codable` form, for `JSONWriter` (hot paths).
    public var json: JSONValue {
        var fields: [String: JSONValue] = [
            "type": .string(type.rawValue), "action": .string(action.rawValue), "data": data, "timestamp": .string(timestamp),
        ]
        if let id { fields["id"] = id }
        return .object(fields)
    }

    enum CodingKeys: String, CodingKey { case type, action, data, timestamp, id }

    public init(from decoder: any Decoder) throws {
        try decoder.expectType(.response)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        action = try container.decode(ActionName.self, forKey: .action)
        data = try container.decode(JSONValue.self, forKey: .data)
        timestamp = try container.decode(String.self, forKey: .timestamp)
        id = try container.decodeIfPresent(JSONValue.self, forKey: .id)
    }
}

/// 4.6: a message the gateway could not take.
public struct ErrorMessage: Codable, Sendable, Equatable {
    public var type: MessageType = .error
    public var message: String
    public var timestamp: String

    public init(message: String, timestamp: String = Timestamp.now()) {
        self.message = message
        self.timestamp = timestamp
    }

    public static let invalidMessageFormat = "Invalid message format"
    public static let rateLimitExceeded = "Rate limit exceeded"

    enum CodingKeys: String, CodingKey { case type, message, timestamp }

    public init(from decoder: any Decoder) throws {
        try decoder.expectType(.error)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        message = try container.decode(String.self, forKey: .message)
        timestamp = try container.decode(String.self, forKey: .timestamp)
    }
}

/// Anything the gateway sends to the app, told apart by `type`.
public enum GatewayMessage: Sendable, Equatable {
    case connected(ConnectedMessage)
    case response(ResponseMessage)
    case notification(NotificationMessage)
    case sessionUpdate(SessionUpdate)
    case chargerUpdate(ChargerUpdate)
    case error(ErrorMessage)

    public init(json text: String) throws {
        let raw = try JSONCoding.decode(JSONValue.self, from: text)
        guard let tag = raw["type"]?.stringValue, let type = MessageType(rawValue: tag) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "no known type in \(text.prefix(80))"))
        }
        switch type {
        case .connected: self = .connected(try raw.decode(as: ConnectedMessage.self))
        case .response: self = .response(try raw.decode(as: ResponseMessage.self))
        case .notification: self = .notification(try raw.decode(as: NotificationMessage.self))
        case .sessionUpdate: self = .sessionUpdate(try raw.decode(as: SessionUpdate.self))
        case .chargerUpdate: self = .chargerUpdate(try raw.decode(as: ChargerUpdate.self))
        case .error: self = .error(try raw.decode(as: ErrorMessage.self))
        }
    }

    public var type: MessageType {
        switch self {
        case .connected: .connected
        case .response: .response
        case .notification: .notification
        case .sessionUpdate: .sessionUpdate
        case .chargerUpdate: .chargerUpdate
        case .error: .error
        }
    }
}
