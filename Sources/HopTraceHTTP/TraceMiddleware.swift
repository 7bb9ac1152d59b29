import Foundation
import HopTrace
import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    public static let traceparent = Self("traceparent")!
}

/// Records each request that carries a `traceparent` (as a hop of its trace, with status and
/// duration) and runs its handler with the hop's own span as `TraceParent.current`, so that the
/// calls the handler makes pass the trace on.
public struct TraceMiddleware<Context: RequestContext>: RouterMiddleware {
    let recorder: TraceRecorder

    public init(recorder: TraceRecorder) { self.recorder = recorder }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.traceparent], let caller = TraceParent(header) else {
            return try await next(request, context)
        }
        let span = caller.child()
        let started = Date()
        let name = "\(request.method.rawValue) \(request.uri.path)"
        do {
            let response = try await TraceParent.$current.withValue(span) { try await next(request, context) }
            let status = Int(response.status.code)
            recorder.record(name, span: span, parentSpanID: caller.spanID, started: started, status: status, failed: status >= 500)
            return response
        } catch {
            let status = (error as? any HTTPResponseError).map { Int($0.status.code) } ?? 500
            recorder.record(name, span: span, parentSpanID: caller.spanID, started: started, status: status, failed: status >= 500)
            throw error
        }
    }
}

extension Router {
    /// `GET /debug/traces/:trace`: this program's records of a trace.
    public func addTraceRoute(recorder: TraceRecorder?) {
        get("/debug/traces/:trace") { request, _ in
            TraceRoute.response(request, recorder: recorder)
        }
    }
}

public enum TraceRoute {
    /// The endpoint's answer as a Hummingbird response.
    public static func response(_ request: Request, recorder: TraceRecorder?) -> Response {
        let (status, body) = TraceEndpoint.answer(path: request.uri.path, query: request.uri.query, recorder: recorder)
            ?? (404, #"{"message":"Not found"}"#)
        return Response(
            status: HTTPResponse.Status(code: status), headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
