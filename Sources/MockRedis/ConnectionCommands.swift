import Foundation
import NIOCore
import RESP

/// PING, ECHO, RESET, SELECT, AUTH, HELLO, CLIENT.
extension RedisCommandHandler {
    func ping(_ arguments: [ByteBuffer]) -> Reply {
        guard arguments.count <= 1 else { return .error("ERR wrong number of arguments for 'ping' command") }
        if isInSubscribedMode {
            return .value(.array([.bulk("pong"), .bulkString(arguments.first ?? ByteBuffer())]))
        }
        return .value(arguments.first.map { .bulkString($0) } ?? .simpleString("PONG"))
    }

    func echo(_ arguments: [ByteBuffer]) -> Reply {
        .value(.bulkString(arguments[0]))
    }

    func reset() -> Reply {
        unsubscribeFromEverything()
        version = .resp2
        database = 0
        authenticated = server.configuration.requirePass == nil
        client.update { client in
            client.name = ""
            client.database = 0
        }
        return .value(.simpleString("RESET"))
    }

    func select(_ arguments: [ByteBuffer]) -> Reply {
        guard let index = parseRedisInteger(arguments[0]) else { return .notAnInteger }
        if server.cluster != nil, index != 0 { return .error("ERR SELECT is not allowed in cluster mode") }
        guard (0..<KeySpace.databaseCount).contains(index) else { return .error("ERR DB index is out of range") }
        database = index
        client.update { $0.database = index }
        return .ok
    }

    func auth(_ arguments: [ByteBuffer]) -> Reply {
        guard arguments.count <= 2 else { return .syntaxError }
        guard let password = server.configuration.requirePass else {
            if arguments.count == 1 {
                return .error(
                    "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
            }
            return .error("WRONGPASS invalid username-password pair or user is disabled.")
        }
        let user = arguments.count == 2 ? String(buffer: arguments[0]) : "default"
        guard user == "default", String(buffer: arguments[arguments.count - 1]) == password else {
            return .error("WRONGPASS invalid username-password pair or user is disabled.")
        }
        authenticated = true
        return .ok
    }

    func hello(_ arguments: [ByteBuffer]) -> Reply {
        var requested = version
        var index = 0
        if let first = arguments.first {
            guard let number = parseRedisInteger(first) else { return .error("ERR Protocol version is not an integer or out of range") }
            guard let known = RESPVersion(rawValue: number) else { return .error("NOPROTO unsupported protocol version") }
            requested = known
            index = 1
        }
        var name: String?
        while index < arguments.count {
            let option = String(buffer: arguments[index]).lowercased()
            if option == "auth", index + 2 < arguments.count {
                let reply = auth([arguments[index + 1], arguments[index + 2]])
                if case .value(.error) = reply { return reply }
                index += 3
            } else if option == "setname", index + 1 < arguments.count {
                name = String(buffer: arguments[index + 1])
                index += 2
            } else {
                return .error("ERR Syntax error in HELLO option '\(String(buffer: arguments[index]))'")
            }
        }
        guard authenticated else {
            return .error(
                "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
        }
        if let name {
            guard Self.isValidClientName(name) else {
                return .error("ERR Client names cannot contain spaces, newlines or special characters.")
            }
            client.update { $0.name = name }
        }
        version = requested
        return .value(.map([
            .bulk("server"), .bulk("redis"),
            .bulk("version"), .bulk(ServerInfo.redisVersion),
            .bulk("proto"), .integer(requested.rawValue),
            .bulk("id"), .integer(clientID),
            .bulk("mode"), .bulk("standalone"),
            .bulk("role"), .bulk("master"),
            .bulk("modules"), .array([]),
        ]))
    }

    func client(_ arguments: [ByteBuffer]) -> Reply {
        switch String(buffer: arguments[0]).lowercased() {
        case "id":
            return .value(.integer(clientID))
        case "setname":
            let name = String(buffer: arguments[1])
            guard Self.isValidClientName(name) else {
                return .error("ERR Client names cannot contain spaces, newlines or special characters.")
            }
            client.update { $0.name = name }
            return .ok
        case "getname":
            let name = client.snapshot.name
            return .value(name.isEmpty ? .null : .bulk(name))
        case "setinfo":
            switch String(buffer: arguments[1]).lowercased() {
            case "lib-name", "lib-ver": return .ok
            default: return .error("ERR Unrecognized option '\(String(buffer: arguments[1]))'")
            }
        case "list":
            flushActivity()
            let lines = server.clients.snapshots.map { ServerInfo.clientLine($0) }.joined()
            return .value(.bulk(lines))
        case "info":
            flushActivity()
            let line = ServerInfo.clientLine(client.snapshot)
            return .value(.bulk(line))
        case "kill":
            return clientKill(Array(arguments.dropFirst()))
        default:
            return .value(.array([
                .simpleString("CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
                .simpleString("ID, SETNAME, GETNAME, SETINFO, LIST, INFO, KILL, HELP"),
            ]))
        }
    }

    /// `CLIENT KILL ip:port` (the old form: OK or an error), or filters (`ID`, `ADDR`, `LADDR`,
    /// `SKIPME`) that answer how many were closed.
    private func clientKill(_ arguments: [ByteBuffer]) -> Reply {
        if arguments.count == 1 {
            let address = String(buffer: arguments[0])
            let killed = server.clients.kill { $0.address == address }
            return killed > 0 ? .ok : .error("ERR No such client")
        }
        guard arguments.count % 2 == 0 else { return .syntaxError }
        var filters: [(ClientSnapshot) -> Bool] = []
        var skipMe = true
        for pair in stride(from: 0, to: arguments.count, by: 2) {
            let value = String(buffer: arguments[pair + 1])
            switch String(buffer: arguments[pair]).lowercased() {
            case "id":
                guard let id = parseRedisInteger(arguments[pair + 1]), id > 0 else {
                    return .error("ERR client-id should be greater than 0")
                }
                filters.append { $0.id == id }
            case "addr": filters.append { $0.address == value }
            case "laddr": filters.append { $0.localAddress == value }
            case "skipme":
                switch value.lowercased() {
                case "yes": skipMe = true
                case "no": skipMe = false
                default: return .syntaxError
                }
            default:
                return .syntaxError
            }
        }
        let me = clientID
        let killed = server.clients.kill { client in
            !(skipMe && client.id == me) && filters.allSatisfy { $0(client) }
        }
        return .value(.integer(killed))
    }

    static func isValidClientName(_ name: String) -> Bool {
        name.utf8.allSatisfy { $0 > 0x20 && $0 <= 0x7E }
    }
}
