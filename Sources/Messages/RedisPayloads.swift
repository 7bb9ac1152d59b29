/// 3.1 / 4.3: published on `user:{userId}:notifications`.
public struct NotificationMessage: Codable, Sendable, Equatable {
    public var type: MessageType = .notification
    public var title: String
    public var message: String
    public var data: JSONValue
    public var timestamp: String

    public init(title: String, message: String, data: JSONValue = .object([:]), timestamp: String = Timestamp.now()) {
        self.title = title
        self.message = message
        self.data = data
        self.timestamp = timestamp
    }

    enum CodingKeys: String, CodingKey { case type, title, message, data, timestamp }

    public init(from decoder: any Decoder) throws {
        try decoder.expectType(.notification)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        title = try container.decode(String.self, forKey: .title)
        message = try container.decode(String.self, forKey: .message)
        data = try container.decodeIfPresent(JSONValue.self, forKey: .data) ?? .object([:])
        timestamp = try container.decode(String.self, forKey: .timestamp)
    }
}

/// 3.2 / 4.4: published on `user:{userId}:session_updates`. `data` depends on `event`; the
/// typed shapes are `SessionStartedData`, `MeterValueData`, `SessionStoppedData`, ...
public struct SessionUpdate: Codable, Sendable, Equatable {
    public var type: MessageType = .sessionUpdate
    public var sessionID: Int
    public var transactionID: Int
    public var event: SessionEvent
    public var data: JSONValue
    public var timestamp: String

    public init(sessionID: Int, transactionID: Int, event: SessionEvent, data: JSONValue, timestamp: String = Timestamp.now()) {
        self.sessionID = sessionID
        self.transactionID = transactionID
        self.event = event
        self.data = data
        self.timestamp = timestamp
    }

    public init<Payload: Encodable>(sessionID: Int, transactionID: Int, event: SessionEvent, payload: Payload,
                                    timestamp: String = Timestamp.now()) throws {
        self.init(sessionID: sessionID, transactionID: transactionID, event: event,
                  data: try JSONValue(encoding: payload), timestamp: timestamp)
    }

    enum CodingKeys: String, CodingKey {
        case type, sessionID = "session_id", transactionID = "transaction_id", event, data, timestamp
    }

    public init(from decoder: any Decoder) throws {
        try decoder.expectType(.sessionUpdate)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        sessionID = try container.decode(Int.self, forKey: .sessionID)
        transactionID = try container.decode(Int.self, forKey: .transactionID)
        event = try container.decode(SessionEvent.self, forKey: .event)
        data = try container.decodeIfPresent(JSONValue.self, forKey: .data) ?? .object([:])
        timestamp = try container.decode(String.self, forKey: .timestamp)
    }
}

/// 3.3 / 4.5: published on `user:{userId}:charger_updates`.
public struct ChargerUpdate: Codable, Sendable, Equatable {
    public var type: MessageType = .chargerUpdate
    public var chargerID: String
    public var event: ChargerEvent
    public var data: JSONValue
    public var timestamp: String

    public init(chargerID: String, event: ChargerEvent, data: JSONValue, timestamp: String = Timestamp.now()) {
        self.chargerID = chargerID
        self.event = event
        self.data = data
        self.timestamp = timestamp
    }

    public init<Payload: Encodable>(chargerID: String, event: ChargerEvent, payload: Payload,
                                    timestamp: String = Timestamp.now()) throws {
        self.init(chargerID: chargerID, event: event, data: try JSONValue(encoding: payload), timestamp: timestamp)
    }

    enum CodingKeys: String, CodingKey { case type, chargerID = "charger_id", event, data, timestamp }

    public init(from decoder: any Decoder) throws {
        try decoder.expectType(.chargerUpdate)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        chargerID = try container.decode(String.self, forKey: .chargerID)
        event = try container.decode(ChargerEvent.self, forKey: .event)
        data = try container.decodeIfPresent(JSONValue.self, forKey: .data) ?? .object([:])
        timestamp = try container.decode(String.self, forKey: .timestamp)
    }
}
