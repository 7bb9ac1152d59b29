import Foundation

/// `redis://[[user]:password@]host[:port][/db]`, as Redis clients read `REDIS_URL`.
public struct RedisURL: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int

    public init(host: String = "127.0.0.1", port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    public init(_ text: String) throws {
        guard let components = URLComponents(string: text), components.scheme == "redis",
              let host = components.host, !host.isEmpty else {
            throw RedisURLError(text: text)
        }
        self.host = host
        self.port = components.port ?? 6379
        self.username = components.user.flatMap { $0.isEmpty ? nil : $0.removingPercentEncoding }
        self.password = components.password.flatMap { $0.removingPercentEncoding }
        let path = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        if path.isEmpty {
            database = 0
        } else if let database = Int(path), database >= 0 {
            self.database = database
        } else {
            throw RedisURLError(text: text)
        }
    }

    /// Never shows the password.
    public var description: String {
        let credentials = password == nil ? "" : "\(username ?? ""):***@"
        return "redis://\(credentials)\(host):\(port)/\(database)"
    }

    /// The commands that prepare a new connection: AUTH, then SELECT when not 0.
    var handshake: [[String]] {
        var commands: [[String]] = []
        if let password {
            commands.append(username.map { ["AUTH", $0, password] } ?? ["AUTH", password])
        }
        if database != 0 { commands.append(["SELECT", String(database)]) }
        return commands
    }
}

public struct RedisURLError: Error, CustomStringConvertible {
    var text: String
    public var description: String { "invalid Redis URL (expected redis://[:password@]host[:port][/db])" }
}
