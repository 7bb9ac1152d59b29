import Logging
import NIOCore
import RESP

/// Redis's `client-output-buffer-limit pubsub`: a subscriber with more than `hard` bytes
/// waiting, or more than `soft` bytes for `softSeconds` on end, is disconnected. 0 turns a
/// limit off.
struct OutputBufferLimit: Sendable, Equatable, CustomStringConvertible {
    var hard = 32 << 20
    var soft = 8 << 20
    var softSeconds = 60

    /// `"32mb 8mb 60"`, as in redis.conf (units b, k, kb, m, mb, g, gb).
    init?(_ text: String) {
        let parts = text.split(separator: " ")
        guard parts.count == 3, let hard = Self.bytes(parts[0]), let soft = Self.bytes(parts[1]), let seconds = Int(parts[2]),
              seconds >= 0 else { return nil }
        (self.hard, self.soft, self.softSeconds) = (hard, soft, seconds)
    }

    init() {}

    var description: String { "\(hard) \(soft) \(softSeconds)" }

    private static func bytes(_ text: Substring) -> Int? {
        let lower = text.lowercased()
        let units: [(String, Int)] = [("gb", 1 << 30), ("g", 1_000_000_000), ("mb", 1 << 20), ("m", 1_000_000), ("kb", 1 << 10), ("k", 1000), ("b", 1)]
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            return Int(lower.dropLast(suffix.count)).map { $0 * factor }
        }
        return Int(lower)
    }
}

/// A client connection as the broker sees it: where its messages go, in its protocol, within
/// the output buffer limit.
///
/// Its mutable state belongs to the channel's event loop and is touched only there (the
/// broker hops to that loop first), so it needs no lock and no loop check per message: fan-out
/// runs this for every delivered message.
final class Subscriber: @unchecked Sendable {
    let channel: any Channel
    /// The channel's loop, kept: asking the channel costs a call per message.
    let eventLoop: any EventLoop
    private let limit: OutputBufferLimit
    /// Below NIO's write high-water mark a limit can be passed while the channel is still
    /// writable, so then every message checks; otherwise only an unwritable channel can be over.
    private let checksEveryMessage: Bool
    private let logger: Logger
    /// On the loop only.
    var version = RESPVersion.resp2
    /// When the output buffer went over the soft limit; on the loop only.
    private var overSoftLimitSince: NIODeadline?
    /// The connection's handler, so that a message it publishes to itself keeps its place
    /// among the replies of the same read, as in Redis; nil once the connection is gone. On
    /// the loop only.
    var handler: RedisCommandHandler?

    init(channel: any Channel, limit: OutputBufferLimit, logger: Logger) {
        self.channel = channel
        self.eventLoop = channel.eventLoop
        self.limit = limit
        self.logger = logger
        let highWaterMark = 64 * 1024  // NIO's default WriteBufferWaterMark
        checksEveryMessage = (limit.hard > 0 && limit.hard < highWaterMark) || (limit.soft > 0 && limit.soft < highWaterMark)
    }

    /// On the channel's loop.
    func deliverOnLoop(_ message: PushMessage) {
        guard let handler else { return }
        handler.write(message.encoded(for: version))
        if checksEveryMessage || !channel.isWritable {
            enforceLimit()
        } else if overSoftLimitSince != nil {
            // Writable again: well under the soft limit.
            overSoftLimitSince = nil
        }
    }

    /// As Redis checks after each reply it queues.
    private func enforceLimit() {
        guard let pending = try? channel.syncOptions?.getOption(.bufferedWritableBytes) else { return }
        var exceeded = limit.hard > 0 && pending > limit.hard
        if limit.soft > 0, pending > limit.soft {
            let now = NIODeadline.now()
            if let since = overSoftLimitSince {
                exceeded = exceeded || now - since >= .seconds(Int64(limit.softSeconds))
            } else {
                overSoftLimitSince = now
            }
        } else {
            overSoftLimitSince = nil
        }
        if exceeded {
            logger.warning("client closed for overcoming of output buffer limits", metadata: [
                "client": "\(channel.remoteAddress?.description ?? "?")", "pending": "\(pending)",
            ])
            channel.close(promise: nil)
        }
    }
}
