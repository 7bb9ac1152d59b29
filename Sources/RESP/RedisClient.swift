import Logging
import NIOCore
import NIOPosix

/// Commands to one Redis server over a connection opened when first needed and opened again
/// after it fails. Used by the backend to PUBLISH.
public actor RedisClient {
    public let url: RedisURL
    private let eventLoopGroup: any EventLoopGroup
    private var connection: RESPConnection?

    public init(url: RedisURL, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.url = url
        self.eventLoopGroup = eventLoopGroup
    }

    @discardableResult
    public func send(_ arguments: [String]) async throws -> RESPValue {
        let connection = try await currentConnection()
        do {
            return try await connection.send(arguments)
        } catch RESPClientError.server(let message) {
            throw RESPClientError.server(message)
        } catch {
            if self.connection === connection { self.connection = nil }
            await connection.close()
            throw error
        }
    }

    /// Pipelines the commands; a broken connection is dropped, to be opened again next time.
    public func pipeline(_ commands: [[String]]) async throws -> [RESPValue] {
        let connection = try await currentConnection()
        do {
            return try await connection.pipeline(commands)
        } catch {
            if self.connection === connection { self.connection = nil }
            await connection.close()
            throw error
        }
    }

    /// PUBLISH; returns how many subscribers received the message.
    @discardableResult
    public func publish(_ message: String, to channel: String) async throws -> Int {
        try await send(["PUBLISH", channel, message]).integer ?? 0
    }

    public func close() async {
        await connection?.close()
        connection = nil
    }

    private func currentConnection() async throws -> RESPConnection {
        if let connection, connection.channel.isActive { return connection }
        let fresh = try await RESPConnection.connect(to: url, eventLoopGroup: eventLoopGroup)
        // Another caller may have connected while this one waited.
        if let existing = connection, existing.channel.isActive {
            await fresh.close()
            return existing
        }
        connection = fresh
        return fresh
    }
}
