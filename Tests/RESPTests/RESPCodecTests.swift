import NIOCore
import NIOEmbedded
import RESP
import Testing

@Suite("RESP codec")
struct RESPCodecTests {
    /// Feeds `bytes` one byte at a time and returns what the decoder produced.
    static func decodeCommands(_ bytes: String, splitEveryByte: Bool = true) throws -> [[String]] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPCommandDecoder()))
        if splitEveryByte {
            for byte in bytes.utf8 { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        } else {
            try channel.writeInbound(ByteBuffer(string: bytes))
        }
        var commands: [[String]] = []
        while let command = try channel.readInbound(as: RESPCommand.self) {
            commands.append(command.words.map { String(buffer: $0) })
        }
        _ = try channel.finish()
        return commands
    }

    /// Feeds reply bytes one at a time to the client-side decoder.
    static func decodeValues(_ wire: ByteBuffer) throws -> [RESPValue] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(RESPValueDecoder()))
        for byte in wire.readableBytesView { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        var decoded: [RESPValue] = []
        while let value = try channel.readInbound(as: RESPValue.self) { decoded.append(value) }
        _ = try channel.finish()
        return decoded
    }

    @Test func multibulkSplitAtEveryByte() throws {
        #expect(try Self.decodeCommands("*2\r\n$9\r\nSUBSCRIBE\r\n$4\r\nuser\r\n") == [["SUBSCRIBE", "user"]])
    }

    @Test func pipelinedCommandsInOneRead() throws {
        let bytes = "*1\r\n$4\r\nPING\r\n*3\r\n$7\r\nPUBLISH\r\n$1\r\na\r\n$0\r\n\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\n"
        #expect(try Self.decodeCommands(bytes, splitEveryByte: false) == [["PING"], ["PUBLISH", "a", ""], ["ECHO", "hi"]])
    }

    @Test func binarySafeBulk() throws {
        #expect(try Self.decodeCommands("*2\r\n$4\r\nECHO\r\n$4\r\na\r\nb\r\n") == [["ECHO", "a\r\nb"]])
    }

    @Test func inlineCommands() throws {
        #expect(try Self.decodeCommands("PING\r\n\r\nSUBSCRIBE a  b\nECHO x\r\n") == [["PING"], ["SUBSCRIBE", "a", "b"], ["ECHO", "x"]])
    }

    @Test func inlineQuotesAndEscapesAsRedisSplitsThem() throws {
        #expect(try Self.decodeCommands(#"SET "a b" 'c\'d' "\x41\n""# + "\r\n")
            == [["SET", "a b", "c'd", "A\n"]])
        #expect(try Self.decodeCommands("ECHO \"\"\r\n") == [["ECHO", ""]])
        for unbalanced in [#"ECHO "abc"# + "\r\n", #"ECHO 'abc"# + "\r\n", #"ECHO "a"b"# + "\r\n"] {
            #expect(throws: RESPProtocolError("unbalanced quotes in request"), "\(unbalanced)") {
                try Self.decodeCommands(unbalanced, splitEveryByte: false)
            }
        }
    }

    @Test func resp3TypesAndTheirRESP2Forms() throws {
        let values: [RESPValue] = [
            .null, .boolean(true), .boolean(false), .double(1.5), .map([.bulk("k"), .integer(1)]), .set([.bulk("a")]),
            .push([.bulk("message"), .bulk("c"), .bulk("m")]),
        ]
        var wire = ByteBuffer()
        for value in values { value.write(to: &wire, version: .resp3) }
        #expect(String(buffer: wire) == "_\r\n#t\r\n#f\r\n,1.5\r\n%1\r\n$1\r\nk\r\n:1\r\n~1\r\n$1\r\na\r\n>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n")
        #expect(try Self.decodeValues(wire) == values)
        var resp2 = ByteBuffer()
        for value in values { value.write(to: &resp2, version: .resp2) }
        #expect(String(buffer: resp2) == "$-1\r\n:1\r\n:0\r\n$3\r\n1.5\r\n*2\r\n$1\r\nk\r\n:1\r\n*1\r\n$1\r\na\r\n*3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nm\r\n")
    }

    @Test func invalidMultibulkLengthIsAProtocolError() {
        #expect(throws: RESPProtocolError("invalid multibulk length")) { try Self.decodeCommands("*x\r\n", splitEveryByte: false) }
    }

    @Test func invalidBulkLengthIsAProtocolError() {
        #expect(throws: RESPProtocolError("invalid bulk length")) { try Self.decodeCommands("*1\r\n$-5\r\n", splitEveryByte: false) }
    }

    /// 19 nines do not fit an Int: a length or integer line that overflows is a protocol error,
    /// never a trap (the fuzzer's resp-value finding), on the server and the client side.
    @Test func overflowingNumbersAreProtocolErrors() throws {
        #expect(throws: RESPProtocolError("invalid multibulk length")) { try Self.decodeCommands("*9999999999999999999\r\n", splitEveryByte: false) }
        #expect(throws: RESPProtocolError("invalid bulk length")) { try Self.decodeCommands("*1\r\n$99999999999999999999\r\n", splitEveryByte: false) }
        let parser = RESPParser()
        for line in [":9999999999999999999\r\n", ":-9223372036854775809\r\n", ":9223372036854775808\r\n"] {
            var wire = ByteBuffer(string: line)
            #expect(throws: RESPProtocolError("invalid integer"), "\(line)") { try parser.parseValue(from: &wire) }
        }
        var extremes = ByteBuffer(string: ":9223372036854775807\r\n:-9223372036854775808\r\n:-0\r\n:007\r\n")
        #expect(try parser.parseValue(from: &extremes) == .integer(.max))
        #expect(try parser.parseValue(from: &extremes) == .integer(.min))
        #expect(try parser.parseValue(from: &extremes) == .integer(0))
        #expect(try parser.parseValue(from: &extremes) == .integer(7))
        for bad in [":-\r\n", ":+1\r\n", ":\r\n", ":1-\r\n"] {
            var wire = ByteBuffer(string: bad)
            #expect(throws: RESPProtocolError("invalid integer"), "\(bad)") { try parser.parseValue(from: &wire) }
        }
    }

    @Test func wrongTypeInsideMultibulk() {
        #expect(throws: RESPProtocolError("expected '$', got ':'")) { try Self.decodeCommands("*1\r\n:1\r\n", splitEveryByte: false) }
    }

    @Test func everyReplyTypeRoundTrips() throws {
        let values: [RESPValue] = [
            .simpleString("OK"), .error("ERR boom"), .integer(-42), .bulkString(nil), .bulk("héllo"), .array(nil),
            .array([.bulk("message"), .bulk("user:1:notifications"), .bulk(#"{"type":"notification"}"#)]), .array([]),
        ]
        var wire = ByteBuffer()
        for value in values { value.write(to: &wire) }
        #expect(try Self.decodeValues(wire) == values)
    }

    @Test func encodesCommandsAsRedisExpects() {
        #expect(String(buffer: RESPValue.command(["PUBLISH", "c", "m"]).encoded()) == "*3\r\n$7\r\nPUBLISH\r\n$1\r\nc\r\n$1\r\nm\r\n")
        #expect(String(buffer: RESPValue.integer(3).encoded()) == ":3\r\n")
        #expect(String(buffer: RESPValue.bulkString(nil).encoded()) == "$-1\r\n")
    }
}

@Suite("Redis URL and backoff")
struct RedisURLTests {
    @Test func parsesHostPortPasswordAndDatabase() throws {
        let url = try RedisURL("redis://:s3cret@redis.internal:6380/2")
        #expect(url == RedisURL(host: "redis.internal", port: 6380, username: nil, password: "s3cret", database: 2))
        #expect(url.description == "redis://:***@redis.internal:6380/2")
        #expect(try RedisURL("redis://127.0.0.1") == RedisURL())
        #expect(try RedisURL("redis://app:pw@h:1").username == "app")
    }

    @Test func rejectsOtherSchemesAndBadDatabases() {
        #expect(throws: RedisURLError.self) { try RedisURL("http://127.0.0.1:6379") }
        #expect(throws: RedisURLError.self) { try RedisURL("redis://127.0.0.1:6379/abc") }
    }

    @Test func backoffGrowsAndIsCapped() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2))
        for attempt in 0..<30 {
            let delay = backoff.delay(attempt: attempt)
            let ceiling = min(Duration.seconds(2), .milliseconds(100) * (1 << min(attempt, 20)))
            #expect(delay <= ceiling && delay >= ceiling * 0.5)
        }
    }
}
