import Foundation
import HopTrace
import Messages
import NIOCore
import NIOHTTP1

/// Plain HTTP on the WebSocket port: `GET /health`, `GET /metrics`, `GET /debug/traces/ID`; everything else that is not
/// a WebSocket upgrade gets a clear status.
final class HTTPEndpointHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let status: GatewayStatus
    private var head: HTTPRequestHead?

    init(status: GatewayStatus) { self.status = status }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
        switch (head.method, path) {
        case (.GET, "/health"):
            let report = status.health()
            write(report.healthy ? .ok : .serviceUnavailable, contentType: "application/json",
                  body: (try? JSONCoding.encodeString(report)) ?? "{}", keepAlive: head.isKeepAlive, context: context)
        case (.GET, "/metrics"):
            write(.ok, contentType: "text/plain; version=0.0.4", body: status.metricsText(),
                  keepAlive: head.isKeepAlive, context: context)
        case (.GET, _) where path.hasPrefix(TraceEndpoint.pathPrefix):
            let query = head.uri.split(separator: "?", maxSplits: 1).dropFirst().first.map(String.init)
            let (code, body) = TraceEndpoint.answer(path: path, query: query, recorder: status.traces)!
            write(HTTPResponseStatus(statusCode: code), contentType: "application/json", body: body,
                  keepAlive: head.isKeepAlive, context: context)
        case (_, "/health"), (_, "/metrics"):
            write(.methodNotAllowed, contentType: "application/json", body: #"{"message":"Method not allowed"}"#,
                  keepAlive: head.isKeepAlive, context: context, extraHeaders: [("Allow", "GET")])
        default:
            let isUpgrade = head.headers[canonicalForm: "upgrade"].contains(where: { $0.lowercased() == "websocket" })
            if isUpgrade, status.drain.isDraining {
                write(.serviceUnavailable, contentType: "application/json", body: #"{"message":"Server shutting down"}"#,
                      keepAlive: false, context: context, extraHeaders: [("Retry-After", "1")])
            } else if isUpgrade {
                write(.forbidden, contentType: "application/json", body: #"{"message":"Origin not allowed"}"#,
                      keepAlive: false, context: context)
            } else {
                write(.upgradeRequired, contentType: "application/json",
                      body: #"{"message":"Connect with a WebSocket: ws://HOST:PORT/?token=JWT"}"#,
                      keepAlive: head.isKeepAlive, context: context)
            }
        }
    }

    private func write(_ status: HTTPResponseStatus, contentType: String, body: String, keepAlive: Bool,
                       context: ChannelHandlerContext, extraHeaders: [(String, String)] = []) {
        var headers = HTTPHeaders([("Content-Type", contentType), ("Content-Length", String(body.utf8.count))])
        headers.add(contentsOf: extraHeaders)
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
