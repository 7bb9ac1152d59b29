import NIOCore
import RESP

/// What a command handler answers.
enum Reply {
    case value(RESPValue)
    /// Several replies in a row (SUBSCRIBE answers once per channel).
    case values([RESPValue])
    /// The reply, then the connection closes (QUIT).
    case closing(RESPValue)

    static func error(_ text: String) -> Reply { .value(.error(text)) }
    static let ok = Reply.value(.simpleString("OK"))
    static let notAnInteger = Reply.error("ERR value is not an integer or out of range")
    static let syntaxError = Reply.error("ERR syntax error")
}

/// A command mock-redis knows: Redis's arity (positive exact, negative a minimum, the name
/// counted) and where it may run.
struct RedisCommand: Sendable {
    let arity: Int
    /// Allowed in RESP2 subscribed mode.
    var whileSubscribed = false
    /// Allowed before AUTH when a password is set.
    var withoutAuth = false
    /// Lowercase subcommand names, for containers such as CLIENT and PUBSUB.
    var subcommands: [String: Int] = [:]
    let run: @Sendable (RedisCommandHandler, [ByteBuffer]) -> Reply

    func acceptsArgumentCount(_ count: Int) -> Bool {
        arity > 0 ? count + 1 == arity : count + 1 >= -arity
    }
}

extension RedisCommandHandler {
    /// Every command, by lowercase name.
    static let commands: [String: RedisCommand] = [
        // Connection.
        "ping": RedisCommand(arity: -1, whileSubscribed: true) { $0.ping($1) },
        "echo": RedisCommand(arity: 2) { $0.echo($1) },
        "quit": RedisCommand(arity: -1, whileSubscribed: true, withoutAuth: true) { _, _ in .closing(.simpleString("OK")) },
        "reset": RedisCommand(arity: 1, whileSubscribed: true, withoutAuth: true) { handler, _ in handler.reset() },
        "select": RedisCommand(arity: 2) { $0.select($1) },
        "auth": RedisCommand(arity: -2, withoutAuth: true) { $0.auth($1) },
        "hello": RedisCommand(arity: -1, withoutAuth: true) { $0.hello($1) },
        "client": RedisCommand(
            arity: -2, subcommands: ["id": 2, "setname": 3, "getname": 2, "setinfo": 4, "list": -2, "kill": -3, "info": 2, "help": 2]
        ) { $0.client($1) },
        // Server.
        "command": RedisCommand(arity: -1, subcommands: ["count": 2, "docs": -2, "info": -2, "list": -2, "help": 2]) { $0.command($1) },
        "info": RedisCommand(arity: -1) { $0.info($1) },
        "dbsize": RedisCommand(arity: 1) { handler, _ in handler.dbsize() },
        "flushall": RedisCommand(arity: -1) { $0.flushAll($1) },
        "flushdb": RedisCommand(arity: -1) { $0.flushDB($1) },
        "function": RedisCommand(arity: -2, subcommands: ["flush": -2, "help": 2]) { $0.function($1) },
        "config": RedisCommand(arity: -2, subcommands: ["get": -3, "set": -4, "resetstat": 2, "help": 2]) { $0.config($1) },
        "time": RedisCommand(arity: 1) { handler, _ in handler.time() },
        "cluster": RedisCommand(
            arity: -2, subcommands: ["shards": 2, "slots": 2, "nodes": 2, "info": 2, "myid": 2, "myshardid": 2, "keyslot": 3, "help": 2]
        ) { $0.cluster($1) },
        // Pub/sub.
        "subscribe": RedisCommand(arity: -2, whileSubscribed: true) { $0.subscribe($1, kind: .channel) },
        "unsubscribe": RedisCommand(arity: -1, whileSubscribed: true) { $0.unsubscribe($1, kind: .channel) },
        "ssubscribe": RedisCommand(arity: -2, whileSubscribed: true) { $0.subscribe($1, kind: .shardChannel) },
        "sunsubscribe": RedisCommand(arity: -1, whileSubscribed: true) { $0.unsubscribe($1, kind: .shardChannel) },
        "psubscribe": RedisCommand(arity: -2, whileSubscribed: true) { $0.psubscribe($1) },
        "punsubscribe": RedisCommand(arity: -1, whileSubscribed: true) { $0.punsubscribe($1) },
        "publish": RedisCommand(arity: 3) { $0.publish($1) },
        "spublish": RedisCommand(arity: 3) { $0.spublish($1) },
        "pubsub": RedisCommand(
            arity: -2,
            subcommands: ["channels": -2, "numsub": -2, "numpat": 2, "shardchannels": -2, "shardnumsub": -2, "help": 2]
        ) { $0.pubsub($1) },
        // Keys.
        "get": RedisCommand(arity: 2) { $0.get($1) },
        "set": RedisCommand(arity: -3) { $0.set($1) },
        "del": RedisCommand(arity: -2) { $0.del($1) },
        "exists": RedisCommand(arity: -2) { $0.exists($1) },
        "expire": RedisCommand(arity: -3) { $0.expire($1, unit: 1000) },
        "pexpire": RedisCommand(arity: -3) { $0.expire($1, unit: 1) },
        "ttl": RedisCommand(arity: 2) { $0.ttl($1, unit: 1000) },
        "pttl": RedisCommand(arity: 2) { $0.ttl($1, unit: 1) },
        "incr": RedisCommand(arity: 2) { $0.increment($1, by: 1) },
        "decr": RedisCommand(arity: 2) { $0.increment($1, by: -1) },
        "incrby": RedisCommand(arity: 3) { $0.increment($1, byArgument: 1, negate: false) },
        "decrby": RedisCommand(arity: 3) { $0.increment($1, byArgument: 1, negate: true) },
        "keys": RedisCommand(arity: 2) { $0.keys($1) },
        "type": RedisCommand(arity: 2) { $0.type($1) },
    ]
}

/// A command with its lowercase name. A class, so that looking one up hands out a reference
/// instead of copying the command's fields (a closure and a dictionary) for every command.
final class KnownCommand: Sendable {
    let name: String
    let command: RedisCommand

    init(name: String, command: RedisCommand) {
        self.name = name
        self.command = command
    }

    static func named(_ key: CommandKey) -> KnownCommand? { byKey[key] }

    private static let byKey: [CommandKey: KnownCommand] = {
        var table: [CommandKey: KnownCommand] = [:]
        for (name, command) in RedisCommandHandler.commands {
            table[CommandKey(ByteBuffer(string: name))!] = KnownCommand(name: name, command: command)
        }
        return table
    }()
}

/// The last command a connection looked up: pipelines repeat one command, and comparing two
/// words is cheaper than hashing them.
struct RecentCommand {
    private var key: CommandKey?
    private var known: KnownCommand?

    mutating func lookUp(_ typed: ByteBuffer) -> KnownCommand? {
        guard let key = CommandKey(typed) else { return nil }
        if key != self.key {
            self.key = key
            known = KnownCommand.named(key)
        }
        return known
    }
}

/// A command name of up to 15 bytes, folded to lowercase and packed with its length in two
/// words: looking a command up hashes 16 bytes and allocates nothing.
struct CommandKey: Hashable {
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    init?(_ name: ByteBuffer) {
        guard name.readableBytes < 16 else { return nil }
        var (low, high) = (UInt64(0), UInt64(name.readableBytes) << 56)
        for (offset, byte) in name.readableBytesView.enumerated() {
            let folded = UInt64(byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte)
            if offset < 8 { low |= folded << (8 * offset) } else { high |= folded << (8 * (offset - 8)) }
        }
        (self.low, self.high) = (low, high)
    }
}

/// Redis's `string2ll`: an optional `-`, digits, no leading zeros, within 64 bits.
func parseRedisInteger(_ buffer: ByteBuffer) -> Int? {
    let view = buffer.readableBytesView
    guard !view.isEmpty, view.count <= 20 else { return nil }
    let text = String(decoding: view, as: UTF8.self)
    if text == "0" { return 0 }
    let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
    guard let first = digits.first, first != "0", digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
    return Int(text)
}
