import NIOCore
import RESP

/// GET, SET, DEL, EXISTS, EXPIRE, PEXPIRE, TTL, PTTL, INCR(BY), DECR(BY), KEYS, TYPE: strings
/// only, which is what a backend keeping simple state needs.
extension RedisCommandHandler {
    func get(_ arguments: [ByteBuffer]) -> Reply {
        let key = arguments[0].bytes
        let value = server.keys.withDatabase(database, key: key) { $0[key]?.value }
        if value == nil {
            server.stats.keyspaceMisses.wrappingAdd(1, ordering: .relaxed)
        } else {
            server.stats.keyspaceHits.wrappingAdd(1, ordering: .relaxed)
        }
        return .value(value.map { .bulkString(ByteBuffer(bytes: $0)) } ?? .null)
    }

    /// `SET key value [NX | XX] [GET] [EX s | PX ms | EXAT s | PXAT ms | KEEPTTL]`.
    func set(_ arguments: [ByteBuffer]) -> Reply {
        enum Condition { case always, ifAbsent, ifPresent }
        var condition = Condition.always
        var returnOld = false
        var expiry: (unit: Int64, absolute: Bool, amount: Int)?
        var keepTTL = false
        var index = 2
        while index < arguments.count {
            let option = String(buffer: arguments[index]).lowercased()
            switch option {
            case "nx" where condition == .always: condition = .ifAbsent
            case "xx" where condition == .always: condition = .ifPresent
            case "get" where !returnOld: returnOld = true
            case "keepttl" where expiry == nil && !keepTTL: keepTTL = true
            case "ex", "px", "exat", "pxat":
                guard expiry == nil, !keepTTL, index + 1 < arguments.count else { return .syntaxError }
                guard let amount = parseRedisInteger(arguments[index + 1]) else { return .notAnInteger }
                guard amount > 0 else { return .error("ERR invalid expire time in 'set' command") }
                expiry = (option.hasPrefix("e") ? 1000 : 1, option.hasSuffix("at"), amount)
                index += 1
            default:
                return .syntaxError
            }
            index += 1
        }
        let key = arguments[0].bytes
        let value = arguments[1].bytes
        return server.keys.withDatabase(database, key: key) { keys in
            let old = keys[key]
            let allowed = switch condition {
            case .always: true
            case .ifAbsent: old == nil
            case .ifPresent: old != nil
            }
            if allowed {
                var expiresAt: Int64?
                if let expiry {
                    let (product, overflow) = Int64(expiry.amount).multipliedReportingOverflow(by: expiry.unit)
                    guard !overflow else { return .error("ERR invalid expire time in 'set' command") }
                    expiresAt = expiry.absolute ? product : keys.now + product
                } else if keepTTL {
                    expiresAt = old?.expiresAt
                }
                keys.set(key, .init(value: value, expiresAt: expiresAt))
            }
            if returnOld { return .value(old.map { .bulkString(ByteBuffer(bytes: $0.value)) } ?? .null) }
            return allowed ? .ok : .value(.null)
        }
    }

    func del(_ arguments: [ByteBuffer]) -> Reply {
        let removed = server.keys.withDatabase(database) { keys in
            arguments.reduce(0) { count, key in count + (keys[key.bytes] != nil && keys.remove(key.bytes) ? 1 : 0) }
        }
        return .value(.integer(removed))
    }

    func exists(_ arguments: [ByteBuffer]) -> Reply {
        // Each key counts as often as it is named, as in Redis.
        .value(.integer(server.keys.withDatabase(database) { keys in arguments.count { keys[$0.bytes] != nil } }))
    }

    /// `EXPIRE key seconds [NX | XX | GT | LT]` (and PEXPIRE in milliseconds).
    func expire(_ arguments: [ByteBuffer], unit: Int64) -> Reply {
        // Redis reads the options before the amount, so their errors come first.
        var flags = Set<String>()
        for option in arguments.dropFirst(2) {
            let name = String(buffer: option).lowercased()
            guard ["nx", "xx", "gt", "lt"].contains(name) else { return .error("ERR Unsupported option \(String(buffer: option))") }
            flags.insert(name)
        }
        if flags.contains("nx"), flags.count > 1 {
            return .error("ERR NX and XX, GT or LT options at the same time are not compatible")
        }
        if flags.contains("gt"), flags.contains("lt") {
            return .error("ERR GT and LT options at the same time are not compatible")
        }
        guard let amount = parseRedisInteger(arguments[1]) else { return .notAnInteger }
        let (delta, overflow) = Int64(amount).multipliedReportingOverflow(by: unit)
        let command = unit == 1 ? "pexpire" : "expire"
        guard !overflow else { return .error("ERR invalid expire time in '\(command)' command") }
        let key = arguments[0].bytes
        return server.keys.withDatabase(database, key: key) { keys in
            guard var entry = keys[key] else { return .value(.integer(0)) }
            let newExpiry = keys.now + delta
            // A key without a TTL counts as an infinite one for GT and LT.
            let current = entry.expiresAt
            if flags.contains("nx"), current != nil { return .value(.integer(0)) }
            if flags.contains("xx"), current == nil { return .value(.integer(0)) }
            if flags.contains("gt"), current.map({ newExpiry <= $0 }) ?? true { return .value(.integer(0)) }
            if flags.contains("lt"), let current, newExpiry >= current { return .value(.integer(0)) }
            if newExpiry <= keys.now {
                keys.remove(key)
            } else {
                entry.expiresAt = newExpiry
                keys.set(key, entry)
            }
            return .value(.integer(1))
        }
    }

    func ttl(_ arguments: [ByteBuffer], unit: Int64) -> Reply {
        let key = arguments[0].bytes
        return server.keys.withDatabase(database, key: key) { keys in
            guard let entry = keys[key] else { return .value(.integer(-2)) }
            guard let expiresAt = entry.expiresAt else { return .value(.integer(-1)) }
            let remaining = expiresAt - keys.now
            // Redis rounds seconds to the nearest.
            return .value(.integer(Int(unit == 1 ? remaining : (remaining + 500) / 1000)))
        }
    }

    func increment(_ arguments: [ByteBuffer], by delta: Int) -> Reply {
        adjust(arguments[0].bytes, by: delta)
    }

    func increment(_ arguments: [ByteBuffer], byArgument index: Int, negate: Bool) -> Reply {
        guard let amount = parseRedisInteger(arguments[index]) else { return .notAnInteger }
        if negate {
            guard amount != Int.min else { return .error("ERR decrement would overflow") }
            return adjust(arguments[0].bytes, by: -amount)
        }
        return adjust(arguments[0].bytes, by: amount)
    }

    private func adjust(_ key: [UInt8], by delta: Int) -> Reply {
        server.keys.withDatabase(database, key: key) { keys in
            let entry = keys[key]
            var current = 0
            if let entry {
                guard let parsed = parseRedisInteger(ByteBuffer(bytes: entry.value)) else { return .notAnInteger }
                current = parsed
            }
            let (result, overflow) = current.addingReportingOverflow(delta)
            guard !overflow else { return .error("ERR increment or decrement would overflow") }
            keys.set(key, .init(value: Array(String(result).utf8), expiresAt: entry?.expiresAt))
            return .value(.integer(result))
        }
    }

    func keys(_ arguments: [ByteBuffer]) -> Reply {
        let pattern = GlobPattern(arguments[0].bytes)
        let names = server.keys.withDatabase(database) { $0.liveKeys }.filter { pattern.matches($0) }
        return .value(.array(names.map { .bulkString(ByteBuffer(bytes: $0)) }))
    }

    func type(_ arguments: [ByteBuffer]) -> Reply {
        let key = arguments[0].bytes
        let exists = server.keys.withDatabase(database, key: key) { $0[key] != nil }
        return .value(.simpleString(exists ? "string" : "none"))
    }
}
