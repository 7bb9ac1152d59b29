import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import RESP

/// The client handler byte by byte: replies matched to requests, and `message` pushes read in
/// place however the bytes are split.
@Suite("RESP client handler")
struct RESPClientHandlerTests {
    final class Received: Sendable {
        let messages = NIOLockedValueBox<[String]>([])
        let pushes = NIOLockedValueBox<[String]>([])
    }

    static func subscribedChannel(_ received: Received) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: RESPClientHandler(
            onPush: { elements in received.pushes.withLockedValue { $0.append(elements.compactMap(\.string).joined(separator: " ")) } },
            onMessage: { name, payload in received.messages.withLockedValue { $0.append("\(String(buffer: name))=\(String(buffer: payload))") } }))
        // A command without a reply promise puts the connection in subscribed mode.
        try channel.writeOutbound(RESPRequest(command: .command(["SUBSCRIBE", "a"]), promise: nil))
        _ = try channel.readOutbound(as: ByteBuffer.self)
        return channel
    }

    static let stream = "*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n"
        + "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$5\r\nhello\r\n"
        + ">3\r\n$7\r\nmessage\r\n$6\r\nuser:1\r\n$0\r\n\r\n"
        + "*4\r\n$8\r\npmessage\r\n$2\r\na*\r\n$2\r\nab\r\n$3\r\nbin\r\n"
        + "*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$13\r\nwith\r\ncrlf\r\n!\r\n"
        // Sharded pub/sub's message, on the same fast path.
        + "*3\r\n$8\r\nsmessage\r\n$2\r\nsh\r\n$3\r\nmsg\r\n"
        + ">3\r\n$8\r\nsmessage\r\n$2\r\nsh\r\n$0\r\n\r\n"

    @Test(arguments: [false, true])
    func messagesAndOtherPushes(splitEveryByte: Bool) throws {
        let received = Received()
        let channel = try Self.subscribedChannel(received)
        if splitEveryByte {
            for byte in Self.stream.utf8 { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        } else {
            try channel.writeInbound(ByteBuffer(string: Self.stream))
        }
        #expect(received.messages.withLockedValue { $0 } == ["a=hello", "user:1=", "a=with\r\ncrlf\r\n!", "sh=msg", "sh="])
        #expect(received.pushes.withLockedValue { $0 } == ["subscribe a", "pmessage a* ab bin"])
        _ = try channel.finish()
    }

    @Test func repliesStillMatchRequests() throws {
        let channel = EmbeddedChannel(handler: RESPClientHandler(onPush: nil))
        let promise = channel.eventLoop.makePromise(of: RESPValue.self)
        try channel.writeOutbound(RESPRequest(command: .command(["PING"]), promise: promise))
        try channel.writeInbound(ByteBuffer(string: "+PO"))
        try channel.writeInbound(ByteBuffer(string: "NG\r\n"))
        #expect(try promise.futureResult.wait() == .simpleString("PONG"))
        _ = try channel.finish()
    }

    /// A cluster answers an SSUBSCRIBE for another shard's slot with `-MOVED`: the subscriber
    /// hears of it, and the connection and its other channels stay.
    @Test func anErrorAnsweringASubscriptionIsAPushNotAFailure() throws {
        let received = Received()
        let errors = NIOLockedValueBox<[RESPValue]>([])
        let channel = EmbeddedChannel(handler: RESPClientHandler(
            onPush: { elements in
                if case .error = elements.first { errors.withLockedValue { $0.append(elements[0]) } }
                received.pushes.withLockedValue { $0.append(elements.compactMap(\.string).joined(separator: " ")) }
            },
            onMessage: { name, payload in received.messages.withLockedValue { $0.append("\(String(buffer: name))=\(String(buffer: payload))") } }))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        try channel.writeOutbound(RESPRequest(command: .command(["SSUBSCRIBE", "foo"]), promise: nil))
        try channel.writeInbound(ByteBuffer(string: "-MOVED 12182 127.0.0.1:7002\r\n*3\r\n$8\r\nsmessage\r\n$1\r\nb\r\n$1\r\nx\r\n"))
        #expect(errors.withLockedValue { $0 } == [.error("MOVED 12182 127.0.0.1:7002")])
        #expect(received.messages.withLockedValue { $0 } == ["b=x"])
        #expect(channel.isActive)
        _ = try channel.finish()
    }

    @Test func anUnrequestedReplyOutsideSubscribedModeStillFails() throws {
        let channel = EmbeddedChannel(handler: RESPClientHandler(onPush: nil))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        #expect(channel.isActive)
        _ = try? channel.writeInbound(ByteBuffer(string: "-ERR nobody asked\r\n"))
        #expect(!channel.isActive)
    }

    @Test func aMalformedPushClosesTheConnection() throws {
        let channel = try Self.subscribedChannel(Received())
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        #expect(channel.isActive)
        _ = try? channel.writeInbound(ByteBuffer(string: "*3\r\n$7\r\nmessage\r\n$x\r\n"))
        #expect(!channel.isActive)
    }
}
