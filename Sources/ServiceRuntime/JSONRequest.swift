import AsyncHTTPClient
import NIOCore

extension HTTPClientRequest {
    /// A JSON POST with a bearer credential, as every hop of this stack makes them.
    public static func jsonPost(url: String, bearer: String, body: ByteBuffer) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(bearer)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(body)
        return request
    }
}
