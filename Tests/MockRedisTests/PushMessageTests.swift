import NIOCore
import RESP
import Testing

@testable import MockRedis

/// A pub/sub message's bytes, written straight from its parts, are what the generic RESP
/// encoder writes for the same push, in both protocols.
@Suite("mock-redis push messages")
struct PushMessageTests {
    private static func bytes(_ message: PushMessage, _ version: RESPVersion) -> String {
        var joined = ByteBuffer()
        message.write(for: version) { part in joined.writeImmutableBuffer(part) }
        return String(buffer: joined)
    }

    private static func reference(_ elements: [String], _ version: RESPVersion) -> String {
        String(buffer: RESPValue.push(elements.map { .bulk($0) }).encoded(version: version))
    }

    @Test(arguments: [RESPVersion.resp2, .resp3])
    func eachKindMatchesTheGenericEncoder(version: RESPVersion) {
        let payload = String(repeating: "é", count: 70)  // a length of three digits, in bytes
        let cases: [(PushMessage, [String])] = [
            (PushMessage(.message, ByteBuffer(string: "user.1"), ByteBuffer(string: payload)), ["message", "user.1", payload]),
            (PushMessage(.shardMessage, ByteBuffer(string: "{u}.1"), ByteBuffer(string: "")), ["smessage", "{u}.1", ""]),
            (PushMessage(.patternMessage, ByteBuffer(string: "user.*"), ByteBuffer(string: "user.2"), ByteBuffer(string: "m")),
             ["pmessage", "user.*", "user.2", "m"]),
        ]
        for (message, elements) in cases {
            #expect(Self.bytes(message, version) == Self.reference(elements, version))
        }
    }

    @Test func subscribersOfBothProtocolsShareOneEncoding() {
        let message = PushMessage(.message, ByteBuffer(string: "c"), ByteBuffer(string: "m"))
        #expect(Self.bytes(message, .resp2) == "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n")
        #expect(Self.bytes(message, .resp3) == ">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n")
        // And again: writing leaves the message as it was.
        #expect(Self.bytes(message, .resp2) == "*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n")
    }
}
