import NIOCore

/// Server side: turns what clients send into commands, each a list of arguments. Reads the
/// multibulk form clients use and the inline form typed in telnet (`PING`, `SUBSCRIBE a b`).
public struct RESPCommandDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = [ByteBuffer]
    private let parser: RESPParser

    public init(limits: RESPLimits = RESPLimits()) { parser = RESPParser(limits: limits) }

    public mutating func decode(buffer: inout ByteBuffer) throws -> [ByteBuffer]? {
        while let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) {
            if first == UInt8(ascii: "*") {
                return try decodeMultibulk(&buffer)
            }
            guard let command = try decodeInline(&buffer) else { return nil }
            // An empty line is skipped, as Redis does.
            if !command.isEmpty { return command }
        }
        return nil
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> [ByteBuffer]? {
        try decode(buffer: &buffer)
    }

    private func decodeMultibulk(_ buffer: inout ByteBuffer) throws -> [ByteBuffer]? {
        var view = buffer
        guard let line = try parser.readLine(from: &view, skipping: 1) else { return nil }
        guard let count = Int(String(buffer: line)), count <= parser.limits.maxArrayLength else {
            throw RESPProtocolError("invalid multibulk length")
        }
        var arguments: [ByteBuffer] = []
        arguments.reserveCapacity(max(0, min(count, 64)))
        for _ in 0..<max(count, 0) {
            guard let marker = view.getInteger(at: view.readerIndex, as: UInt8.self) else { return nil }
            guard marker == UInt8(ascii: "$") else {
                throw RESPProtocolError("expected '$', got '\(Character(Unicode.Scalar(marker)))'")
            }
            guard let lengthLine = try parser.readLine(from: &view, skipping: 1) else { return nil }
            guard let length = Int(String(buffer: lengthLine)), length >= 0, length <= parser.limits.maxBulkLength else {
                throw RESPProtocolError("invalid bulk length")
            }
            guard view.readableBytes >= length + 2 else { return nil }
            arguments.append(view.readSlice(length: length)!)
            guard view.readInteger(as: UInt16.self) == 0x0D0A else { throw RESPProtocolError("expected CRLF after bulk") }
        }
        buffer = view
        return arguments
    }

    private func decodeInline(_ buffer: inout ByteBuffer) throws -> [ByteBuffer]? {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: UInt8(ascii: "\n")) else {
            if view.count > parser.limits.maxInlineLength { throw RESPProtocolError("too big inline request") }
            return nil
        }
        var end = newline
        if end > view.startIndex, view[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        guard let arguments = InlineArguments.split(view[view.startIndex..<end]) else {
            throw RESPProtocolError("unbalanced quotes in request")
        }
        buffer.moveReaderIndex(forwardBy: newline - view.startIndex + 1)
        return arguments
    }
}
