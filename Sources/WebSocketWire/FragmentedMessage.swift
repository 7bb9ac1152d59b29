import NIOCore
import NIOWebSocket

/// Joins a message sent in fragments (RFC 6455, 5.4) within the size limit, and checks that a
/// text message is UTF-8 as its fragments arrive. Kept inline in the socket's handler, and
/// empty except mid-message, rather than one more handler on every socket.
public struct FragmentedMessage: Sendable {
    public enum Outcome: Equatable {
        case message(WebSocketOpcode, ByteBuffer)
        case incomplete
        case tooBig
        case protocolError
        /// A text message that is not UTF-8 (close 1007).
        case invalidUTF8
    }

    /// More fragments than this for one message is abuse, whatever their size.
    public static let maximumFragments = 1024

    private var opcode: WebSocketOpcode?
    private var buffer: ByteBuffer?
    private var fragments = 0
    private var utf8 = UTF8Validator()

    public init() {}

    /// Takes a data frame (text, binary or continuation), already unmasked.
    public mutating func add(_ frame: WebSocketFrame, maximumSize: Int) -> Outcome {
        switch frame.opcode {
        case .text, .binary:
            guard opcode == nil else { return reset(.protocolError) }
            let data = frame.data
            if frame.fin {
                guard frame.opcode == .binary || UTF8Validator.isValid(data) else { return .invalidUTF8 }
                return .message(frame.opcode, data)
            }
            guard data.readableBytes <= maximumSize else { return .tooBig }
            if frame.opcode == .text {
                utf8 = UTF8Validator()
                guard utf8.feed(data) else { return .invalidUTF8 }
            }
            opcode = frame.opcode
            buffer = data
            fragments = 1
            return .incomplete
        case .continuation:
            guard let opcode else { return .protocolError }
            var data = frame.data
            fragments += 1
            guard var joined = buffer, joined.readableBytes + data.readableBytes <= maximumSize,
                  fragments <= Self.maximumFragments else {
                return reset(.tooBig)
            }
            if opcode == .text {
                guard utf8.feed(data), !frame.fin || utf8.isComplete else { return reset(.invalidUTF8) }
            }
            buffer = nil  // so that the append below does not copy
            joined.writeBuffer(&data)
            buffer = joined
            return frame.fin ? reset(.message(opcode, joined)) : .incomplete
        default:
            return .protocolError
        }
    }

    private mutating func reset(_ outcome: Outcome) -> Outcome {
        opcode = nil
        buffer = nil
        fragments = 0
        return outcome
    }
}
