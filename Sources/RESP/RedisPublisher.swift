/// Where a backend publishes: one Redis (`RedisClient`) or a cluster (`ClusterPublisher`).
public protocol RedisPublisher: Sendable {
    /// Publishes each message with `mode`'s command, and returns each one's reply in order: the
    /// receiver count, or the error Redis (or the connection) answered for it. Messages of one
    /// channel keep their order. Throws when nothing could be sent.
    func publish(_ messages: [PublishedMessage]) async throws -> [RESPValue]
    func close() async
}

public struct PublishedMessage: Sendable, Equatable {
    public var channel: String
    public var payload: String

    public init(channel: String, payload: String) {
        self.channel = channel
        self.payload = payload
    }
}

/// One Redis: the whole batch in one pipelined write.
public struct SingleRedisPublisher: RedisPublisher {
    public let client: RedisClient
    public let mode: PubSubMode

    public init(client: RedisClient, mode: PubSubMode = .classic) {
        self.client = client
        self.mode = mode
    }

    public func publish(_ messages: [PublishedMessage]) async throws -> [RESPValue] {
        try await client.pipeline(messages.map { [mode.publish, $0.channel, $0.payload] })
    }

    public func close() async { await client.close() }
}
