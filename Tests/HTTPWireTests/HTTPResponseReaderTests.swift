import NIOCore
import Testing

@testable import HTTPWire

/// The backend's answers as bytes, whole and in pieces.
@Suite("HTTP response reader")
struct HTTPResponseReaderTests {
    typealias Response = HTTPResponseReader.Response

    /// Feeds `text` in pieces of `piece` bytes; returns the response and the bytes left after it.
    static func read(_ text: String, piece: Int = .max, limit: Int = 1 << 20, end: Bool = false) throws -> (Response?, String) {
        var reader = HTTPResponseReader(maxBodyBytes: limit)
        let bytes = Array(text.utf8)
        var pending = ByteBuffer()
        var offset = 0
        repeat {
            let next = min(bytes.count, offset + min(piece, bytes.count - offset))
            pending.writeBytes(bytes[offset..<next])
            offset = next
            if let response = try reader.read(&pending) {
                return (response, String(buffer: pending))
            }
        } while offset < bytes.count
        return (end ? reader.end() : nil, String(buffer: pending))
    }

    static func response(_ status: Int, _ body: String, keepAlive: Bool = true) -> Response {
        Response(status: status, body: ByteBuffer(string: body), keepAlive: keepAlive)
    }

    static let laravel = "HTTP/1.1 200 OK\r\nHost: backend\r\nDate: Fri, 27 Nov 2026 07:00:00 GMT\r\n"
        + "Cache-Control: no-cache, private\r\ncontent-type: application/json\r\nX-RateLimit-Limit: 60\r\n"
        + "Content-Length: 16\r\n\r\n{\"success\":true}"

    @Test func aLengthFramedAnswerInOneReadOrAnyPieces() throws {
        for piece in [Int.max, 1, 2, 7, 64] {
            let (response, rest) = try Self.read(Self.laravel + "HTTP/1.1", piece: piece)
            #expect(response == Self.response(200, #"{"success":true}"#), "pieces of \(piece)")
            // What follows the answer is left for the caller to see (what of it has arrived).
            #expect("HTTP/1.1".hasPrefix(rest), "pieces of \(piece)")
        }
        #expect(try Self.read(Self.laravel + "HTTP/1.1").1 == "HTTP/1.1")
    }

    @Test func answersOneAfterAnotherOnOneReader() throws {
        var reader = HTTPResponseReader(maxBodyBytes: 1 << 20)
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
        var input = ByteBuffer(string: chunked + Self.laravel + "HTTP/1.1 204 No Content\r\n\r\n")
        #expect(try reader.read(&input) == Self.response(200, "{}"))
        #expect(try reader.read(&input) == Self.response(200, #"{"success":true}"#))
        #expect(try reader.read(&input) == Self.response(204, ""))
        #expect(input.readableBytes == 0)
        #expect(try reader.read(&input) == nil)
    }

    @Test func chunkedAnswersWithExtensionsAndTrailers() throws {
        let text = "HTTP/1.1 422 Unprocessable Content\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n"
            + "5;name=value\r\n{\"suc\r\nB\r\ncess\":false\r\n1\r\n}\r\n0\r\nX-Trailer: 1\r\n\r\n"
        for piece in [Int.max, 1, 3] {
            #expect(try Self.read(text, piece: piece).0 == Self.response(422, #"{"success":false}"#), "pieces of \(piece)")
        }
        // Chunked wins over a Content-Length, and the connection is not reused after such an answer.
        let both = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
        #expect(try Self.read(both).0 == Self.response(200, "{}", keepAlive: false))
    }

    @Test func bodiesFramedByTheEndOfTheConnection() throws {
        // No length: the body runs to the end, and the connection is not reused.
        let text = "HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n{\"a\":1}"
        #expect(try Self.read(text).0 == nil)
        #expect(try Self.read(text, end: true).0 == Self.response(200, #"{"a":1}"#, keepAlive: false))
        // A coding other than chunked last: the same.
        #expect(try Self.read("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxy", end: true).0
            == Self.response(200, "xy", keepAlive: false))
        // A length-framed body cut short is not an answer.
        #expect(try Self.read("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", end: true).0 == nil)
    }

    @Test func interimAnswersAreSkippedAndSomeStatusesHaveNoBody() throws {
        let text = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
            + "HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}"
        #expect(try Self.read(text).0 == Self.response(201, "{}"))
        #expect(try Self.read("HTTP/1.1 204 No Content\r\n\r\n").0 == Self.response(204, ""))
        #expect(try Self.read("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n").0 == Self.response(304, ""))
    }

    @Test func keepAliveFollowsTheVersionAndConnectionHeader() throws {
        // `close` wins, wherever it appears.
        #expect(try Self.read("HTTP/1.1 200 OK\r\nConnection: close, keep-alive\r\nContent-Length: 0\r\n\r\n").0?.keepAlive == false)
        #expect(try Self.read("HTTP/1.1 200 OK\r\nConnection: close\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").0?.keepAlive == false)
        #expect(try Self.read("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").0?.keepAlive == false)
        #expect(try Self.read("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").0?.keepAlive == false)
        #expect(try Self.read("HTTP/1.1 200 OK\r\nconnection: Upgrade, CLOSE\r\nContent-Length: 0\r\n\r\n").0?.keepAlive == false)
        #expect(try Self.read("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").0?.keepAlive == false)
        #expect(try Self.read("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n").0?.keepAlive == true)
        // Bare line feeds are accepted, as RFC 9112 lets a recipient do.
        #expect(try Self.read("HTTP/1.1 200 OK\nContent-Length: 2\n\nok").0 == Self.response(200, "ok"))
    }

    @Test func malformedAnswersAreRefused() throws {
        let malformed: [String] = [
            "HTTP/2 200 OK\r\n\r\n",
            "HTTP/1.1 20 OK\r\n\r\n",
            "ICY 200 OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999999\r\n\r\n",
            "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n",
            "HTTP/1.1 101 Switching Protocols\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length : 5\r\n\r\nhello",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1a garbage\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n",
            String(repeating: "HTTP/1.1 100 Continue\r\n\r\n", count: 9),
        ]
        for text in malformed {
            #expect(throws: HTTPResponseReader.ReadError.self, "\(text.debugDescription)") { try Self.read(text) }
        }
        // A head that never ends is not buffered without bound.
        let endless = "HTTP/1.1 200 OK\r\n" + String(repeating: "X-Padding: 0123456789\r\n", count: 4000)
        #expect(throws: HTTPResponseReader.ReadError.malformed("response head too large")) { try Self.read(endless) }
        #expect(throws: HTTPResponseReader.ReadError.malformed("response head too large")) { try Self.read(endless + "\r\n", piece: 1000) }
        #expect(throws: HTTPResponseReader.ReadError.malformed("response head too large")) { try Self.read(endless + "\r\n") }
        // Leading zeros and extensions in a chunk size are fine.
        let zeros = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000000002 ;x=1\r\nok\r\n0\r\n\r\n"
        #expect(try Self.read(zeros).0 == Self.response(200, "ok"))
    }

    @Test func bodiesOverTheLimitAreRefusedHoweverFramed() throws {
        let body = String(repeating: "x", count: 100)
        let framings = [
            "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + body,
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n64\r\n" + body + "\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n32\r\n" + body.prefix(50) + "\r\n32\r\n" + body.prefix(50) + "\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\n\r\n" + body,
        ]
        for text in framings {
            #expect(throws: HTTPResponseReader.ReadError.bodyTooBig) { try Self.read(text, piece: 16, limit: 99) }
            #expect(try Self.read(text, limit: 100, end: true).0?.body.readableBytes == 100)
        }
    }
}
