import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import TestSupport

/// A WebSocket client that answers every ping from a NIO handler on an event loop of its
/// own. `WebSocketProbe` answers pings from an async task, which waits for a thread of the
/// cooperative pool: with the whole suite loading both cores that can take longer than a
/// short heartbeat interval, and the gateway rightly closes the socket.
final class PongingSocket: Sendable {
    struct Tally: Sendable {
        var pingsAnswered = 0
        var closed = false
    }

    private static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: any Channel
    private let tally: NIOLockedValueBox<Tally>

    private init(channel: any Channel, tally: NIOLockedValueBox<Tally>) {
        self.channel = channel
        self.tally = tally
    }

    var pingsAnswered: Int { tally.withLockedValue { $0.pingsAnswered } }
    var isClosed: Bool { tally.withLockedValue { $0.closed } }

    static func connect(port: Int, token: String) async throws -> PongingSocket {
        let tally = NIOLockedValueBox(Tally())
        let channel = try await ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Handler(tally: tally)) }
            }
            .connect(host: "127.0.0.1", port: port).get()
        try await channel.writeAndFlush(ByteBuffer(string: webSocketUpgradeRequest(token: token)))
        return PongingSocket(channel: channel, tally: tally)
    }

    func close() async {
        try? await channel.close()
    }

    /// Skips the 101 head, then reads the server's (unmasked) frames and answers each ping
    /// with a pong masked by a zero key, which leaves the payload as it is.
    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        private let tally: NIOLockedValueBox<Tally>
        private var input = ByteBuffer()
        private var upgraded = false

        init(tally: NIOLockedValueBox<Tally>) { self.tally = tally }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            input.writeBuffer(&bytes)
            if !upgraded {
                guard let end = input.readableBytesView.firstRange(of: Array("\r\n\r\n".utf8)) else { return }
                input.moveReaderIndex(to: end.upperBound)
                upgraded = true
            }
            while let (opcode, payload) = Self.readServerFrame(&input) {
                guard opcode == 0x9 else { continue }
                var pong = context.channel.allocator.buffer(capacity: payload.readableBytes + 6)
                pong.writeInteger(UInt8(0x8A))
                pong.writeInteger(UInt8(0x80 | payload.readableBytes))
                pong.writeInteger(UInt32(0))
                pong.writeImmutableBuffer(payload)
                context.writeAndFlush(NIOAny(pong), promise: nil)
                tally.withLockedValue { $0.pingsAnswered += 1 }
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            tally.withLockedValue { $0.closed = true }
            context.fireChannelInactive()
        }

        /// The opcode and payload of the next whole frame, or nil until it has all arrived.
        private static func readServerFrame(_ buffer: inout ByteBuffer) -> (UInt8, ByteBuffer)? {
            let start = buffer.readerIndex
            guard let first = buffer.getInteger(at: start, as: UInt8.self),
                  let second = buffer.getInteger(at: start + 1, as: UInt8.self) else { return nil }
            var header = 2
            var length = Int(second & 0x7F)
            if length == 126 {
                guard let extended = buffer.getInteger(at: start + 2, as: UInt16.self) else { return nil }
                length = Int(extended)
                header = 4
            } else if length == 127 {
                guard let extended = buffer.getInteger(at: start + 2, as: UInt64.self) else { return nil }
                length = Int(extended)
                header = 10
            }
            guard buffer.readableBytes >= header + length else { return nil }
            let payload = buffer.getSlice(at: start + header, length: length)!
            buffer.moveReaderIndex(forwardBy: header + length)
            return (first & 0x0F, payload)
        }
    }
}
