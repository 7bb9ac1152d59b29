import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// The headers of a JSON POST with a bearer credential, as every hop of this stack makes them.
func jsonPostHeaders(bearer: String) -> HTTPHeaders {
    [
        "Authorization": "Bearer \(bearer)",
        "Content-Type": "application/json",
        "Accept": "application/json",
    ]
}

extension HTTPClientRequest {
    /// A JSON POST for the async API.
    public static func jsonPost(url: String, bearer: String, body: ByteBuffer) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers = jsonPostHeaders(bearer: bearer)
        request.body = .bytes(body)
        return request
    }
}

extension HTTPClient.Request {
    /// The same JSON POST for the event-loop API, which hot paths use to stay on their loop.
    public static func jsonPost(url: String, bearer: String, body: ByteBuffer) throws -> HTTPClient.Request {
        try HTTPClient.Request(url: url, method: .POST, headers: jsonPostHeaders(bearer: bearer), body: .byteBuffer(body))
    }
}
