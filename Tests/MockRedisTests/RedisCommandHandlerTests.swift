import Logging
import NIOCore
import NIOEmbedded
import RESP
import Testing

@testable import MockRedis

/// The connection handler byte by byte: parsing, the order of replies and pushes, and what a
/// protocol error does, without a socket.
@Suite("mock-redis connection handler")
struct RedisCommandHandlerTests {
    /// A connection to a fresh server state.
    struct Connection {
        let channel: EmbeddedChannel

        init(state: MockRedisState = Self.state()) throws {
            channel = EmbeddedChannel(handler: RedisCommandHandler(server: state))
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 6379)).wait()
        }

        static func state(requirePass: String? = nil) -> MockRedisState {
            var configuration = MockRedisConfiguration(host: "127.0.0.1", port: 0)
            configuration.requirePass = requirePass
            return MockRedisState(configuration: configuration, logger: Logger(label: "test"))
        }

        /// Sends `bytes` in one read, or one read per byte; returns each write the handler made.
        func send(_ bytes: String, splitEveryByte: Bool = false) throws -> [String] {
            if splitEveryByte {
                for byte in bytes.utf8 { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
            } else {
                try channel.writeInbound(ByteBuffer(string: bytes))
            }
            var writes: [String] = []
            while let write = try channel.readOutbound(as: ByteBuffer.self) { writes.append(String(buffer: write)) }
            return writes
        }
    }

    static let pipelined = "*1\r\n$4\r\nPING\r\n*3\r\n$7\r\nPUBLISH\r\n$1\r\na\r\n$1\r\nb\r\n*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nping x\r\n"
    static let pipelinedReplies = "+PONG\r\n:0\r\n$2\r\nhi\r\n$1\r\nx\r\n"

    @Test func pipelinedCommandsInOneReadAreAnsweredInOneWrite() throws {
        #expect(try Connection().send(Self.pipelined) == [Self.pipelinedReplies])
    }

    @Test func commandsSplitAtEveryByteGetTheSameReplies() throws {
        let writes = try Connection().send(Self.pipelined, splitEveryByte: true)
        #expect(writes.joined() == Self.pipelinedReplies)
        #expect(writes.count == 4)
    }

    @Test func namesInAnyCaseAndUnknownCommandsAsRedisQuotesThem() throws {
        let connection = try Connection()
        #expect(try connection.send("pInG\r\n") == ["+PONG\r\n"])
        #expect(try connection.send("*2\r\n$5\r\nFROBx\r\n$3\r\narg\r\n")
            == ["-ERR unknown command 'FROBx', with args beginning with: 'arg' \r\n"])
        #expect(try connection.send("*1\r\n$17\r\naveryverylongname\r\n")
            == ["-ERR unknown command 'averyverylongname', with args beginning with: \r\n"])
        #expect(try connection.send("*1\r\n$4\r\nPIN\0\r\n").first?.hasPrefix("-ERR unknown command 'PIN") == true)
        #expect(connection.channel.isActive)
    }

    @Test func emptyMultibulksAndBlankLinesAreSkipped() throws {
        #expect(try Connection().send("*0\r\n*-1\r\n\r\n*1\r\n$4\r\nPING\r\n") == ["+PONG\r\n"])
        // However many in one read (a loop, not a recursion per empty command).
        #expect(try Connection().send(String(repeating: "*0\r\n", count: 100_000) + "PING\r\n") == ["+PONG\r\n"])
    }

    @Test func aProtocolErrorAnswersWhatCameBeforeThenCloses() throws {
        let connection = try Connection()
        let writes = try connection.send("PING\r\n*1\r\n$x\r\nPING\r\n")
        #expect(writes.joined() == "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n")
        #expect(!connection.channel.isActive)
    }

    @Test func quitAnswersAndIgnoresTheRestOfTheRead() throws {
        let connection = try Connection()
        #expect(try connection.send("PING\r\nQUIT\r\nPING\r\n").joined() == "+PONG\r\n+OK\r\n")
        #expect(!connection.channel.isActive)
    }

    @Test func aBulkArrivingInPiecesIsKeptUntilComplete() throws {
        let connection = try Connection()
        let value = String(repeating: "v", count: 100_000)
        let command = "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$\(value.utf8.count)\r\n\(value)\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n"
        var writes: [String] = []
        var rest = Substring(command)
        while !rest.isEmpty {
            writes += try connection.send(String(rest.prefix(4096)))
            rest = rest.dropFirst(4096)
        }
        #expect(writes.joined() == "+OK\r\n$100000\r\n\(value)\r\n")
    }

    @Test func aMessagePublishedToItselfComesBeforeThePublishReply() throws {
        let connection = try Connection()
        _ = try connection.send("HELLO 3\r\n")
        let writes = try connection.send("SUBSCRIBE a\r\nPUBLISH a m\r\nPING\r\n")
        #expect(writes == [">3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n>3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nm\r\n:1\r\n+PONG\r\n"])
    }

    @Test func clientListShowsTheCommandRunningIt() throws {
        let connection = try Connection()
        let list = try connection.send("PING\r\nCLIENT LIST\r\n").joined()
        #expect(list.contains("cmd=client|list"))
        let info = try connection.send("INFO stats\r\n").joined()
        // PING and CLIENT LIST came before; INFO counts once it is done, as in Redis.
        #expect(info.contains("total_commands_processed:2\r\n"))
    }
}

/// Containers (commands with subcommands) with any argument count, as Redis 7 answers them:
/// a bare `COMMAND` killed the server once (it looked up a subcommand that was not there).
@Suite("mock-redis container commands")
struct ContainerCommandTests {
    typealias Connection = RedisCommandHandlerTests.Connection

    @Test func aBareCommandAnswersTheCommandTable() throws {
        let connection = try Connection()
        let count = try connection.send("COMMAND COUNT\r\n")
        #expect(count == [":\(RedisCommandHandler.commands.count)\r\n"])
        let table = try connection.send("COMMAND\r\n").joined()
        #expect(table.hasPrefix("*\(RedisCommandHandler.commands.count)\r\n"))
        #expect(table.contains("$7\r\npublish\r\n:3\r\n"))
        #expect(connection.channel.isActive)
        // COMMAND INFO without names is the whole table too.
        #expect(try connection.send("COMMAND INFO\r\n").joined() == table)
    }

    @Test func containersWithoutASubcommandGiveRedisErrors() throws {
        let connection = try Connection()
        for name in ["client", "config", "pubsub", "function"] {
            #expect(try connection.send("\(name.uppercased())\r\n") == ["-ERR wrong number of arguments for '\(name)' command\r\n"])
        }
        #expect(try connection.send("COMMAND FOO\r\n") == ["-ERR unknown subcommand 'FOO'. Try COMMAND HELP.\r\n"])
        #expect(try connection.send("CLIENT HELP x\r\n") == ["-ERR wrong number of arguments for 'client|help' command\r\n"])
        #expect(connection.channel.isActive)
    }
}

/// Found by scripts/redis-differential: Redis reads EXPIRE's options before its amount.
@Suite("mock-redis EXPIRE argument order")
struct ExpireArgumentOrderTests {
    @Test func optionErrorsComeBeforeTheAmountsError() throws {
        let connection = try RedisCommandHandlerTests.Connection()
        #expect(try connection.send("SET k v\r\n") == ["+OK\r\n"])
        #expect(try connection.send("EXPIRE k x extra\r\n") == ["-ERR Unsupported option extra\r\n"])
        #expect(try connection.send("EXPIRE k x NX XX\r\n") == ["-ERR NX and XX, GT or LT options at the same time are not compatible\r\n"])
        #expect(try connection.send("EXPIRE k x NX\r\n") == ["-ERR value is not an integer or out of range\r\n"])
    }
}
