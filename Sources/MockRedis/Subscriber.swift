import Logging
import NIOConcurrencyHelpers
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
final class Subscriber: Sendable {
    let channel: any Channel
    private let limit: OutputBufferLimit
    private let logger: Logger
    /// Set (HELLO) and read (each message) on the channel's loop.
    private let protocolVersion: NIOLoopBoundBox<RESPVersion>
    /// When the output buffer went over the soft limit; touched on the channel's loop only.
    private let overSoftLimitSince: NIOLoopBoundBox<NIODeadline?>
    /// The connection's own writer, so that a message it publishes to itself keeps its place
    /// among the replies of the same read, as in Redis; set and used on the channel's loop.
    let writer: NIOLoopBoundBox<((ByteBuffer) -> Void)?>

    init(channel: any Channel, limit: OutputBufferLimit, logger: Logger) {
        self.channel = channel
        self.limit = limit
        self.logger = logger
        self.protocolVersion = NIOLoopBoundBox(.resp2, eventLoop: channel.eventLoop)
        self.overSoftLimitSince = NIOLoopBoundBox(nil, eventLoop: channel.eventLoop)
        self.writer = NIOLoopBoundBox(nil, eventLoop: channel.eventLoop)
    }

    /// On the channel's loop.
    var version: RESPVersion {
        get { protocolVersion.value }
        set { protocolVersion.value = newValue }
    }

    /// On the channel's loop.
    func deliverOnLoop(_ message: PushMessage) {
        guard channel.isActive else { return }
        if let write = writer.value {
            message.write(for: version, to: write)
        } else {
            message.write(for: version) { channel.write($0, promise: nil) }
            channel.flush()
        }
        enforceLimit()
    }

    /// As Redis checks after each reply it queues.
    private func enforceLimit() {
        guard let pending = try? channel.syncOptions?.getOption(.bufferedWritableBytes) else { return }
        var exceeded = limit.hard > 0 && pending > limit.hard
        if limit.soft > 0, pending > limit.soft {
            // The clock only when it matters: this runs for every message delivered.
            let now = NIODeadline.now()
            if let since = overSoftLimitSince.value {
                exceeded = exceeded || now - since >= .seconds(Int64(limit.softSeconds))
            } else {
                overSoftLimitSince.value = now
            }
        } else if overSoftLimitSince.value != nil {
            overSoftLimitSince.value = nil
        }
        if exceeded {
            logger.warning("client closed for overcoming of output buffer limits", metadata: [
                "client": "\(channel.remoteAddress?.description ?? "?")", "pending": "\(pending)",
            ])
            channel.close(promise: nil)
        }
    }
}
