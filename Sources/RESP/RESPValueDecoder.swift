import NIOCore

/// Client side: turns the bytes a server sends into `RESPValue`s.
public struct RESPValueDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = RESPValue
    private let parser: RESPParser

    public init(limits: RESPLimits = RESPLimits()) { parser = RESPParser(limits: limits) }

    public mutating func decode(buffer: inout ByteBuffer) throws -> RESPValue? {
        try parser.parseValue(from: &buffer)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> RESPValue? {
        try decode(buffer: &buffer)
    }
}
