import NIOCore
import RESP

/// (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, (S)PUBLISH, PUBSUB: Redis's `pubsub.c`.
extension RedisCommandHandler {
    func subscribe(_ arguments: [ByteBuffer], kind: PubSubBroker.Kind) -> Reply {
        if kind == .shardChannel, let refused = crossSlotError(arguments) { return refused }
        var replies: [RESPValue] = []
        for name in arguments {
            let key = name.ownedCopy
            if kind == .channel {
                if channels.insert(key).inserted { server.broker.subscribe(subscriber, to: key) }
            } else if shardChannels.insert(key).inserted {
                server.broker.subscribe(subscriber, to: key, kind: .shardChannel)
            }
            replies.append(.push([.bulk(kind == .channel ? "subscribe" : "ssubscribe"), .bulkString(name), .integer(count(kind))]))
        }
        updateSubscriptionCounts()
        return .values(replies)
    }

    func unsubscribe(_ arguments: [ByteBuffer], kind: PubSubBroker.Kind) -> Reply {
        let verb = kind == .channel ? "unsubscribe" : "sunsubscribe"
        if kind == .shardChannel, let refused = crossSlotError(arguments) { return refused }
        let current = kind == .channel ? channels : shardChannels
        let targets = arguments.isEmpty
            ? current.sorted { $0.readableBytesView.lexicographicallyPrecedes($1.readableBytesView) } : arguments
        guard !targets.isEmpty else { return .value(.push([.bulk(verb), .null, .integer(count(kind))])) }
        var replies: [RESPValue] = []
        for name in targets {
            if kind == .channel {
                if channels.remove(name) != nil { server.broker.unsubscribe(subscriber, from: name) }
            } else if shardChannels.remove(name) != nil {
                server.broker.unsubscribe(subscriber, from: name, kind: .shardChannel)
            }
            replies.append(.push([.bulk(verb), .bulkString(name), .integer(count(kind))]))
        }
        updateSubscriptionCounts()
        return .values(replies)
    }

    func psubscribe(_ arguments: [ByteBuffer]) -> Reply {
        var replies: [RESPValue] = []
        for name in arguments {
            let pattern = GlobPattern(name.bytes)
            if patterns.insert(pattern).inserted { server.broker.subscribe(subscriber, toPattern: pattern) }
            replies.append(.push([.bulk("psubscribe"), .bulkString(name), .integer(count(.channel))]))
        }
        updateSubscriptionCounts()
        return .values(replies)
    }

    func punsubscribe(_ arguments: [ByteBuffer]) -> Reply {
        let targets = arguments.isEmpty
            ? patterns.map(\.bytes).sorted { $0.lexicographicallyPrecedes($1) }.map { ByteBuffer(bytes: $0) } : arguments
        guard !targets.isEmpty else { return .value(.push([.bulk("punsubscribe"), .null, .integer(count(.channel))])) }
        var replies: [RESPValue] = []
        for name in targets {
            let pattern = GlobPattern(name.bytes)
            if patterns.remove(pattern) != nil { server.broker.unsubscribe(subscriber, fromPattern: pattern) }
            replies.append(.push([.bulk("punsubscribe"), .bulkString(name), .integer(count(.channel))]))
        }
        updateSubscriptionCounts()
        return .values(replies)
    }

    /// The count Redis puts in (un)subscribe replies: channels and patterns together, shard
    /// channels on their own.
    private func count(_ kind: PubSubBroker.Kind) -> Int {
        kind == .channel ? channels.count + patterns.count : shardChannels.count
    }

    func publish(_ arguments: [ByteBuffer]) -> Reply {
        .value(.integer(server.broker.publish(arguments[1], to: arguments[0])))
    }

    func spublish(_ arguments: [ByteBuffer]) -> Reply {
        .value(.integer(server.broker.publishToShard(arguments[1], to: arguments[0])))
    }

    func pubsub(_ arguments: [ByteBuffer]) -> Reply {
        let rest = Array(arguments.dropFirst())
        switch String(buffer: arguments[0]).lowercased() {
        case "channels", "shardchannels":
            guard rest.count <= 1 else { return .error("ERR wrong number of arguments for 'pubsub|channels' command") }
            let kind: PubSubBroker.Kind = String(buffer: arguments[0]).lowercased() == "channels" ? .channel : .shardChannel
            let names = server.broker.activeChannels(matching: rest.first.map { GlobPattern($0.bytes) }, kind: kind)
            return .value(.array(names.map { .bulkString($0) }))
        case "numsub", "shardnumsub":
            let kind: PubSubBroker.Kind = String(buffer: arguments[0]).lowercased() == "numsub" ? .channel : .shardChannel
            let counts = server.broker.subscriberCounts(rest, kind: kind)
            // An array even in RESP3, as Redis 7 answers.
            return .value(.array(zip(rest, counts).flatMap { [RESPValue.bulkString($0), .integer($1)] }))
        case "numpat":
            return .value(.integer(server.broker.patternCount))
        default:
            return .value(.array([
                .simpleString("PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"),
                .simpleString("CHANNELS [<pattern>], NUMSUB [<channel> ...], NUMPAT, SHARDCHANNELS [<pattern>], SHARDNUMSUB [<channel> ...]"),
            ]))
        }
    }
}
