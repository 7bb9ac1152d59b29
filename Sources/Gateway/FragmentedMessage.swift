import NIOCore
import NIOWebSocket

/// Joins a message sent in fragments (RFC 6455, 5.4) within the size limit. Kept inline in the
/// session, and empty except mid-message, rather than one more handler on every socket.
struct FragmentedMessage {
    enum Outcome: Equatable {
        case message(WebSocketOpcode, ByteBuffer)
        case incomplete
        case tooBig
        case protocolError
    }

    /// More fragments than this for one message is abuse, whatever their size.
    static let maximumFragments = 1024

    private var opcode: WebSocketOpcode?
    private var buffer: ByteBuffer?
    private var fragments = 0

    /// Takes a data frame (text, binary or continuation), already unmasked.
    mutating func add(_ frame: WebSocketFrame, maximumSize: Int) -> Outcome {
        switch frame.opcode {
        case .text, .binary:
            guard opcode == nil else { return reset(.protocolError) }
            let data = frame.data
            if frame.fin { return .message(frame.opcode, data) }
            guard data.readableBytes <= maximumSize else { return .tooBig }
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
