import Foundation
import NIOCore
import RESP

/// COMMAND, INFO, DBSIZE, FLUSHALL, FLUSHDB, FUNCTION FLUSH, CONFIG, TIME.
extension RedisCommandHandler {
    func command(_ arguments: [ByteBuffer]) -> Reply {
        let names = Self.commands.keys.sorted()
        guard let subcommand = arguments.first.map({ String(buffer: $0).lowercased() }) else {
            return .value(.array(names.map(commandInfo)))
        }
        let asked = arguments.dropFirst().map { String(buffer: $0).lowercased() }
        switch subcommand {
        case "count":
            return .value(.integer(names.count))
        case "list":
            return .value(.array(names.map { .bulk($0) }))
        case "info":
            // Redis 7.0 answers every command to an INFO that names none.
            return .value(.array((asked.isEmpty ? names : asked).map { Self.commands[$0] == nil ? .null : commandInfo($0) }))
        case "docs":
            // Enough for redis-cli's hints: a summary-less entry per known command.
            let documented = (asked.isEmpty ? names : asked).filter { Self.commands[$0] != nil }
            return .value(.map(documented.flatMap { name -> [RESPValue] in
                [.bulk(name), .map([.bulk("summary"), .bulk(""), .bulk("since"), .bulk("1.0.0"), .bulk("group"), .bulk("generic")])]
            }))
        default:
            return .value(.array([.simpleString("COMMAND <subcommand>. Subcommands are: COUNT, DOCS, INFO, LIST, HELP")]))
        }
    }

    /// COMMAND INFO's entry: name, arity, flags, first key, last key, step, ACL categories,
    /// tips, key specs, subcommands.
    private func commandInfo(_ name: String) -> RESPValue {
        let command = Self.commands[name]!
        let hasKey = ["get", "set", "del", "exists", "expire", "pexpire", "ttl", "pttl", "incr", "decr", "incrby", "decrby", "type"]
            .contains(name)
        return .array([
            .bulk(name), .integer(command.arity), .set([]), .integer(hasKey ? 1 : 0),
            .integer(hasKey ? (["del", "exists"].contains(name) ? -1 : 1) : 0), .integer(hasKey ? 1 : 0),
            .set([]), .array([]), .array([]), .array([]),
        ])
    }

    func info(_ arguments: [ByteBuffer]) -> Reply {
        flushActivity()
        return .value(.bulk(ServerInfo.text(sections: arguments.map { String(buffer: $0) }, state: server)))
    }

    func dbsize() -> Reply {
        .value(.integer(server.keys.withDatabase(database) { $0.count }))
    }

    func flushAll(_ arguments: [ByteBuffer]) -> Reply {
        guard Self.isFlushMode(arguments) else { return .syntaxError }
        server.keys.flushAll()
        return .ok
    }

    func flushDB(_ arguments: [ByteBuffer]) -> Reply {
        guard Self.isFlushMode(arguments) else { return .syntaxError }
        server.keys.withDatabase(database) { $0.removeAll() }
        return .ok
    }

    func function(_ arguments: [ByteBuffer]) -> Reply {
        guard String(buffer: arguments[0]).lowercased() == "flush" else {
            return .value(.array([.simpleString("FUNCTION <subcommand>. Subcommands are: FLUSH, HELP")]))
        }
        // No functions are ever loaded; flushing succeeds as on an empty Redis.
        return Self.isFlushMode(Array(arguments.dropFirst())) ? .ok : .error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
    }

    private static func isFlushMode(_ arguments: [ByteBuffer]) -> Bool {
        arguments.isEmpty || (arguments.count == 1 && ["async", "sync"].contains(String(buffer: arguments[0]).lowercased()))
    }

    func config(_ arguments: [ByteBuffer]) -> Reply {
        switch String(buffer: arguments[0]).lowercased() {
        case "get":
            let patterns = arguments.dropFirst().map { GlobPattern(Array(String(buffer: $0).lowercased().utf8)) }
            let matching = configuration().filter { name, _ in patterns.contains { $0.matches(Array(name.utf8)) } }
            return .value(.map(matching.flatMap { [RESPValue.bulk($0.0), .bulk($0.1)] }))
        case "set":
            // Settings are fixed at start; accepting a set that changes nothing keeps tools going.
            let name = String(buffer: arguments[1]).lowercased()
            guard let current = configuration().first(where: { $0.0 == name }) else {
                return .error("ERR Unknown option or number of arguments for CONFIG SET - '\(name)'")
            }
            return String(buffer: arguments[2]) == current.1
                ? .ok : .error("ERR CONFIG SET failed (possibly related to argument '\(name)') - mock-redis settings are fixed at start")
        case "resetstat":
            return .ok
        default:
            return .value(.array([.simpleString("CONFIG <subcommand>. Subcommands are: GET, SET, RESETSTAT, HELP")]))
        }
    }

    /// The settings CONFIG GET shows: what clients and redis-benchmark probe.
    private func configuration() -> [(String, String)] {
        let limit = server.configuration.pubsubOutputLimit
        return [
            ("bind", server.configuration.host), ("port", String(server.configuration.port)),
            ("databases", String(KeySpace.databaseCount)), ("maxclients", String(server.configuration.maxClients)),
            ("save", ""), ("appendonly", "no"), ("maxmemory", "0"), ("maxmemory-policy", "noeviction"), ("timeout", "0"),
            ("requirepass", server.configuration.requirePass ?? ""), ("protected-mode", "no"),
            ("proto-max-bulk-len", String(server.configuration.maxBulkLength)),
            ("client-output-buffer-limit", "normal 0 0 0 slave 268435456 67108864 60 pubsub \(limit)"),
            ("notify-keyspace-events", ""), ("cluster-enabled", server.cluster == nil ? "no" : "yes"),
        ]
    }

    func time() -> Reply {
        let now = Date().timeIntervalSince1970
        let seconds = Int(now)
        return .value(.array([.bulk(String(seconds)), .bulk(String(Int((now - Double(seconds)) * 1_000_000)))]))
    }
}
