import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// One program the console forwards the page's HTTP calls to, under a path prefix:
/// `/backend/api/auth/login` goes to the backend's `/api/auth/login`.
struct Upstream: Sendable {
    /// What the page and its messages call it: backend, charger-sim, gateway.
    var name: String
    var prefix: String
    var baseURL: String?
    /// Sent instead of the page's own `Authorization` (charger-sim's secret).
    var authorization: String?

    /// Request headers worth passing on; hop-by-hop ones and the browser's cookies are not.
    static let forwardedRequestHeaders: [HTTPField.Name] = [.contentType, .accept, .authorization, HTTPField.Name("traceparent")!]
    static let requestBodyLimit = 1 << 20
    static let responseBodyLimit = 16 << 20

    func forward(_ request: Request, path: String, timeout: Duration) async -> Response {
        guard var url = baseURL else {
            return ConsoleJSON.message("\(name) is not part of this stack", status: .notFound)
        }
        while url.hasSuffix("/") { url.removeLast() }
        url += path
        if let query = request.uri.query, !query.isEmpty { url += "?" + query }

        var outgoing = HTTPClientRequest(url: url)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for name in Self.forwardedRequestHeaders {
            if let value = request.headers[name] { outgoing.headers.add(name: name.canonicalName, value: value) }
        }
        if let authorization { outgoing.headers.replaceOrAdd(name: "Authorization", value: authorization) }
        do {
            let body = try await request.body.collect(upTo: Self.requestBodyLimit)
            if body.readableBytes > 0 { outgoing.body = .bytes(body) }
        } catch {
            return ConsoleJSON.message("The request body is over \(Self.requestBodyLimit) bytes", status: .contentTooLarge)
        }
        do {
            let answer = try await HTTPClient.shared.execute(outgoing, timeout: .init(timeout))
            let body = try await answer.body.collect(upTo: Self.responseBodyLimit)
            var headers = HTTPFields()
            headers[.contentType] = answer.headers.first(name: "Content-Type") ?? "application/octet-stream"
            headers[.cacheControl] = "no-store"
            return Response(status: .init(code: Int(answer.status.code)), headers: headers, body: .init(byteBuffer: body))
        } catch {
            return ConsoleJSON.message("\(name) unreachable at \(baseURL ?? url): \(Self.describe(error))", status: .badGateway)
        }
    }

    /// AsyncHTTPClient's errors name the failure in words a person reads ("connection refused").
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout {
            return "no answer in time"
        }
        let text = String(describing: error)
        if text.localizedCaseInsensitiveContains("refused") { return "connection refused" }
        return text
    }
}
