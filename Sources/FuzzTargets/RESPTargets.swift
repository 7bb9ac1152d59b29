import ByteStreams
import NIOCore
import RESP

extension FuzzTarget {
    /// mock-redis's command reader (multibulk and inline): the same commands and the same error
    /// whether the bytes come in one read or two, and every command read back from its
    /// multibulk encoding.
    static let respCommand = FuzzTarget(name: "resp-command", summary: "RESP command parser (server side)") { bytes in
        let whole = readCommands(ByteBuffer(bytes: bytes), split: nil)
        let split = readCommands(ByteBuffer(bytes: bytes), split: bytes.splitPoint)
        require(whole.commands == split.commands && whole.error == split.error, "a split read differs")
        for command in whole.commands {
            var encoded = RESPValue.array(command.words.map { .bulkString($0) }).encoded()
            let again = readCommands(encoded, split: nil)
            require(again.commands == [command] && again.error == nil, "a command does not survive its encoding")
            encoded.clear()
        }
    }

    /// Inline commands alone (a line that does not start with `*`), as redis-cli and telnet send them.
    static let inlineCommand = FuzzTarget(name: "inline-command", summary: "RESP inline command splitting") { bytes in
        var input = ByteBuffer(bytes: bytes)
        if input.readableBytesView.first == UInt8(ascii: "*") { input.moveReaderIndex(forwardBy: 1) }
        let whole = readCommands(input, split: nil)
        let split = readCommands(input, split: bytes.splitPoint)
        require(whole.commands == split.commands && whole.error == split.error, "a split inline read differs")
    }

    /// The client side's value reader (the gateway's subscriber, RESPConnection): split reads
    /// agree, and every value reads back from its RESP3 encoding.
    static let respValue = FuzzTarget(name: "resp-value", summary: "RESP value decoder (client side)") { bytes in
        let whole = readValues(ByteBuffer(bytes: bytes), split: nil)
        let split = readValues(ByteBuffer(bytes: bytes), split: bytes.splitPoint)
        require(whole.values == split.values || whole.values.contains(where: \.hasNaN), "a split read differs")
        require(whole.error == split.error, "a split read fails differently")
        for value in whole.values where !value.hasNaN {
            let again = readValues(value.encoded(version: .resp3), split: nil)
            require(again.values == [value] && again.error == nil, "\(value) does not survive its encoding")
        }
    }

    static func readCommands(_ input: ByteBuffer, split: Int?) -> (commands: [RESPCommand], error: RESPProtocolError?) {
        let parser = RESPCommandParser(limits: RESPLimits(maxBulkLength: 1 << 20, maxArrayLength: 1 << 12, maxInlineLength: 1 << 16))
        var command = RESPCommand(name: ByteBuffer(), arguments: [])
        var commands: [RESPCommand] = []
        var unparsed = UnparsedInput()
        for var piece in pieces(input, split: split) {
            var buffer = unparsed.join(piece)
            do {
                while try parser.parse(from: &buffer, into: &command) {
                    // Owned copies: the parser hands out slices of the read.
                    commands.append(RESPCommand(name: ByteBuffer(buffer: command.name), arguments: command.arguments.map { ByteBuffer(buffer: $0) }))
                }
            } catch {
                return (commands, error)
            }
            unparsed.keep(buffer)
            piece.clear()
        }
        return (commands, nil)
    }

    static func readValues(_ input: ByteBuffer, split: Int?) -> (values: [RESPValue], error: RESPProtocolError?) {
        let parser = RESPParser(limits: RESPLimits(maxBulkLength: 1 << 20, maxArrayLength: 1 << 12, maxInlineLength: 1 << 16, maxDepth: 32))
        var values: [RESPValue] = []
        var unparsed = UnparsedInput()
        for piece in pieces(input, split: split) {
            var buffer = unparsed.join(piece)
            do {
                while let value = try parser.parseValue(from: &buffer) { values.append(value) }
            } catch {
                return (values, error)
            }
            unparsed.keep(buffer)
        }
        return (values, nil)
    }

    /// The input whole, or in two reads cut at `split`.
    static func pieces(_ input: ByteBuffer, split: Int?) -> [ByteBuffer] {
        guard let split, split > 0, split < input.readableBytes else { return [input] }
        return [input.getSlice(at: input.readerIndex, length: split)!,
                input.getSlice(at: input.readerIndex + split, length: input.readableBytes - split)!]
    }
}

extension ByteBuffer {
    init(buffer: ByteBuffer) { self.init(bytes: buffer.readableBytesView) }
}

extension RESPValue {
    /// NaN is not equal to itself, so values holding one are compared by their encoding only.
    var hasNaN: Bool {
        switch self {
        case .double(let number): number.isNaN
        case .array(let items?): items.contains(where: \.hasNaN)
        case .map(let items), .set(let items), .push(let items): items.contains(where: \.hasNaN)
        default: false
        }
    }
}
