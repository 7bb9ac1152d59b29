import NIOCore

/// Reads the backend's HTTP/1.1 responses (RFC 9112) from the bytes of one connection: the
/// status line, the three headers that frame the message (`Content-Length`,
/// `Transfer-Encoding`, `Connection`) and the body, framed by its length, by chunks or by the
/// end of the connection. Other headers are skipped without being copied.
///
/// NIO's general decoder made a `String` of every header a Laravel answer carries; this reads
/// one answer per call and keeps only the status and the body.
public struct HTTPResponseReader {
    public struct Response: Equatable, Sendable {
        public let status: Int
        public let body: ByteBuffer
        /// Whether the connection may carry the next request.
        public let keepAlive: Bool

        public init(status: Int, body: ByteBuffer, keepAlive: Bool) {
            (self.status, self.body, self.keepAlive) = (status, body, keepAlive)
        }
    }

    public enum ReadError: Error, Equatable {
        case malformed(String)
        case bodyTooBig
    }

    public let maxBodyBytes: Int
    /// Status line and headers together; trailers too.
    public static let maxHeadBytes = 64 * 1024
    /// Interim (1xx) answers before the final one.
    public static let maxInterimResponses = 8

    private enum State {
        case head
        case fixedLength(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
    }

    private var state = State.head
    private var status = 0
    private var keepAlive = true
    private var body: ByteBuffer?
    /// How far the incomplete head has been searched for its end.
    private var headScanned = 0
    private var interimResponses = 0
    private var trailerBytes = 0

    public init(maxBodyBytes: Int) { self.maxBodyBytes = maxBodyBytes }

    /// Reads what it can of `input` and returns the response once it is complete; bytes that
    /// follow it stay in `input`. Call again with more bytes after nil.
    public mutating func read(_ input: inout ByteBuffer) throws(ReadError) -> Response? {
        while true {
            switch state {
            case .head:
                guard try readHead(&input) else { return nil }
            case .fixedLength(let remaining):
                guard remaining > 0 else { return finish() }
                guard let part = input.readSlice(length: min(remaining, input.readableBytes)), part.readableBytes > 0 else { return nil }
                try append(part)
                state = .fixedLength(remaining: remaining - part.readableBytes)
            case .chunkSize:
                guard let line = try readLine(&input) else { return nil }
                let size = try Self.chunkSize(line)
                state = size == 0 ? .trailers : .chunkData(remaining: size)
                guard (body?.readableBytes ?? 0) + size <= maxBodyBytes else { throw .bodyTooBig }
            case .chunkData(let remaining):
                guard let part = input.readSlice(length: min(remaining, input.readableBytes)), part.readableBytes > 0 else { return nil }
                try append(part)
                state = remaining == part.readableBytes ? .chunkDataEnd : .chunkData(remaining: remaining - part.readableBytes)
            case .chunkDataEnd:
                guard let line = try readLine(&input) else { return nil }
                guard line.readableBytes == 0 else { throw .malformed("chunk longer than its size") }
                state = .chunkSize
            case .trailers:
                guard let line = try readLine(&input) else { return nil }
                if line.readableBytes == 0 { return finish() }
                trailerBytes += line.readableBytes
                guard trailerBytes <= Self.maxHeadBytes else { throw .malformed("trailers too large") }
            case .untilClose:
                guard input.readableBytes > 0 else { return nil }
                try append(input.readSlice(length: input.readableBytes)!)
            }
        }
    }

    /// The connection ended: a body framed by the end of the connection is complete now;
    /// anything else was cut short (nil).
    public mutating func end() -> Response? {
        guard case .untilClose = state else { return nil }
        return finish()
    }

    private mutating func finish() -> Response {
        let response = Response(status: status, body: body ?? ByteBuffer(), keepAlive: keepAlive)
        self = HTTPResponseReader(maxBodyBytes: maxBodyBytes)
        return response
    }

    private mutating func append(_ part: ByteBuffer) throws(ReadError) {
        guard (body?.readableBytes ?? 0) + part.readableBytes <= maxBodyBytes else { throw .bodyTooBig }
        if body == nil {
            body = part
        } else {
            var part = part
            body!.writeBuffer(&part)
        }
    }

    // MARK: Head

    /// Reads the status line and headers once they have all arrived, and picks how the body is
    /// framed. An interim (1xx) response is skipped.
    private mutating func readHead(_ input: inout ByteBuffer) throws(ReadError) -> Bool {
        guard let end = Self.endOfHead(input, from: headScanned) else {
            guard input.readableBytes <= Self.maxHeadBytes else { throw .malformed("response head too large") }
            // The next search starts where this one stopped (less the three bytes of a split "\r\n\r\n").
            headScanned = max(0, input.readableBytes - 3)
            return false
        }
        guard end <= Self.maxHeadBytes else { throw .malformed("response head too large") }
        headScanned = 0
        let head = input.readSlice(length: end)!
        var framing = Framing()
        try head.withUnsafeReadableBytes { (bytes) throws(ReadError) in
            var lines = LineIterator(bytes: bytes)
            guard let statusLine = lines.next() else { throw .malformed("no status line") }
            try framing.readStatusLine(statusLine)
            while let line = lines.next(), !line.isEmpty {
                try framing.readHeader(line)
            }
        }
        if (100..<200).contains(framing.status) {
            guard framing.status != 101 else { throw .malformed("unexpected protocol switch") }
            interimResponses += 1
            guard interimResponses <= Self.maxInterimResponses else { throw .malformed("too many interim responses") }
            return true
        }
        status = framing.status
        keepAlive = framing.keepAlive && !framing.sawClose
        if framing.status == 204 || framing.status == 304 {
            state = .fixedLength(remaining: 0)
        } else if let chunked = framing.chunked {
            // A coding other than chunked last leaves the end of the connection as the only frame.
            state = chunked ? .chunkSize : .untilClose
            // With a Content-Length as well, the message is suspect (RFC 9112, 6.3), and HTTP/1.0
            // has no transfer codings (6.1): read it, then do not trust the connection with another.
            if !chunked || framing.contentLength != nil || framing.isHTTP10 { keepAlive = false }
        } else if let length = framing.contentLength {
            guard length <= maxBodyBytes else { throw .bodyTooBig }
            state = .fixedLength(remaining: length)
        } else {
            state = .untilClose
            keepAlive = false
        }
        return true
    }

    /// The offset just past the blank line that ends the head, searched from `start`.
    private static func endOfHead(_ input: ByteBuffer, from start: Int) -> Int? {
        input.withUnsafeReadableBytes { bytes in
            guard bytes.count >= 2 else { return nil }
            var index = max(1, start)
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "\n") {
                    // "\r\n\r\n", or bare "\n\n" as RFC 9112 lets a recipient accept.
                    if bytes[index - 1] == UInt8(ascii: "\n") { return index + 1 }
                    if index >= 2, bytes[index - 1] == UInt8(ascii: "\r"), bytes[index - 2] == UInt8(ascii: "\n") { return index + 1 }
                }
                index += 1
            }
            return nil
        }
    }

    /// A line of the chunked framing (CRLF or LF removed), once it has arrived.
    private func readLine(_ input: inout ByteBuffer) throws(ReadError) -> ByteBuffer? {
        guard let newline = input.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            guard input.readableBytes <= Self.maxHeadBytes else { throw .malformed("line too long") }
            return nil
        }
        var line = input.readSlice(length: newline - input.readerIndex + 1)!
        line.moveWriterIndex(to: line.writerIndex - 1)
        if line.readableBytesView.last == UInt8(ascii: "\r") { line.moveWriterIndex(to: line.writerIndex - 1) }
        return line
    }

    /// `1a;name=value` -> 26 (RFC 9112, 7.1: hex digits, then optional whitespace and extensions).
    private static func chunkSize(_ line: ByteBuffer) throws(ReadError) -> Int {
        var size = 0
        var digits = 0
        var bytes = line.readableBytesView[...]
        while let byte = bytes.first {
            let digit: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = Int(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = Int(byte - UInt8(ascii: "A") + 10)
            default: digit = -1
            }
            guard digit >= 0 else { break }
            // Leading zeros do not count toward the limit.
            guard size >> 56 == 0 else { throw .malformed("chunk size too large") }
            size = size << 4 | digit
            digits += 1
            bytes = bytes.dropFirst()
        }
        guard digits > 0 else { throw .malformed("invalid chunk size") }
        while let byte = bytes.first, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { bytes = bytes.dropFirst() }
        guard bytes.isEmpty || bytes.first == UInt8(ascii: ";") else { throw .malformed("invalid chunk size") }
        return size
    }
}

/// What the head says about the status and the framing of the body.
private struct Framing {
    var status = 0
    var keepAlive = true
    var isHTTP10 = false
    /// `Connection: close` anywhere wins over `keep-alive`.
    var sawClose = false
    var contentLength: Int?
    /// nil without `Transfer-Encoding`; whether chunked is its last coding otherwise.
    var chunked: Bool?

    /// `HTTP/1.1 200 OK`
    mutating func readStatusLine(_ line: UnsafeRawBufferPointer) throws(HTTPResponseReader.ReadError) {
        let prefix = "HTTP/1."
        guard line.count >= 12, line.starts(with: prefix.utf8), line[8] == UInt8(ascii: " "),
              let code = Self.threeDigits(line, at: 9), line.count == 12 || line[12] == UInt8(ascii: " ")
        else { throw .malformed("invalid status line") }
        switch line[7] {
        case UInt8(ascii: "1"): keepAlive = true
        case UInt8(ascii: "0"):
            keepAlive = false
            isHTTP10 = true
        default: throw .malformed("unsupported HTTP version")
        }
        status = code
    }

    mutating func readHeader(_ line: UnsafeRawBufferPointer) throws(HTTPResponseReader.ReadError) {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { throw .malformed("invalid header line") }
        let name = UnsafeRawBufferPointer(rebasing: line[..<colon])
        // No whitespace between a name and its colon (RFC 9112, 5.1): `Content-Length : 5` is not a length.
        guard name.last != UInt8(ascii: " "), name.last != UInt8(ascii: "\t") else { throw .malformed("whitespace before a colon") }
        let value = Self.trimmed(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...]))
        if Self.equalsIgnoringCase(name, "content-length") {
            var length = 0
            for byte in value {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), length < Int.max / 20 else {
                    throw .malformed("invalid Content-Length")
                }
                length = length * 10 + Int(byte - UInt8(ascii: "0"))
            }
            guard !value.isEmpty, contentLength == nil || contentLength == length else { throw .malformed("invalid Content-Length") }
            contentLength = length
        } else if Self.equalsIgnoringCase(name, "transfer-encoding") {
            let codings = value.split(separator: UInt8(ascii: ","))
            chunked = codings.last.map { Self.equalsIgnoringCase(Self.trimmed(UnsafeRawBufferPointer(rebasing: $0)), "chunked") } ?? false
        } else if Self.equalsIgnoringCase(name, "connection") {
            for option in value.split(separator: UInt8(ascii: ",")) {
                let option = Self.trimmed(UnsafeRawBufferPointer(rebasing: option))
                if Self.equalsIgnoringCase(option, "close") { sawClose = true }
                if Self.equalsIgnoringCase(option, "keep-alive") { keepAlive = true }
            }
        }
    }

    private static func threeDigits(_ line: UnsafeRawBufferPointer, at start: Int) -> Int? {
        var code = 0
        for index in start..<start + 3 {
            let byte = line[index]
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            code = code * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return code
    }

    private static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// `lowercase` is ASCII lowercase.
    private static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        for index in 0..<bytes.count {
            var byte = bytes[index]
            if byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte += 32 }
            if byte != lowercase.utf8Start[index] { return false }
        }
        return true
    }
}

/// The lines of a head, CRLF (or LF) removed.
private struct LineIterator {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    mutating func next() -> UnsafeRawBufferPointer? {
        guard position < bytes.count else { return nil }
        var end = position
        while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
        var lineEnd = end
        if lineEnd > position, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
        let line = UnsafeRawBufferPointer(rebasing: bytes[position..<lineEnd])
        position = end + 1
        return line
    }
}
