import Logging
import Messages
import RESP

/// Publishes the spec's section 3 messages. A Redis that is down costs the message, not the
/// request: the event is already stored, and the next publish reconnects.
struct EventPublisher: Sendable {
    let redis: RedisClient
    let logger: Logger

    func publish<Message: Encodable>(_ message: Message, to channel: UserChannel, user userID: Int) async {
        let name = channel.name(forUser: userID)
        do {
            let text = try JSONCoding.encodeString(message)
            let receivers = try await redis.publish(text, to: name)
            logger.info("published", metadata: ["channel": "\(name)", "receivers": "\(receivers)"])
        } catch {
            logger.warning("could not publish", metadata: ["channel": "\(name)", "error": "\(error)"])
        }
    }
}
