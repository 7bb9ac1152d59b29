import HopTrace
import HopTraceHTTP
import Hummingbird
import Logging

/// One route of the API, declared as data so that the error middleware knows every path and
/// its methods (405 versus 404) before the routes are registered.
struct BackendRoute: Sendable {
    var method: HTTPRequest.Method
    var path: String
    var handler: @Sendable (Request) async -> Response

    init(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping @Sendable (Request) async -> Response) {
        self.method = method
        self.path = path
        self.handler = handler
    }

    /// A router whose middleware answers errors as Laravel does, serving `routes`; traced
    /// requests are recorded, with the status the error middleware gave them.
    static func router(_ routes: [BackendRoute], traces: TraceRecorder? = nil, logger: Logger) -> Router<BasicRequestContext> {
        let router = Router()
        if let traces { router.add(middleware: TraceMiddleware(recorder: traces)) }
        let table = Dictionary(grouping: routes, by: \.path).mapValues { $0.map(\.method) }
        router.add(middleware: LaravelErrorMiddleware(routes: table, logger: logger))
        for route in routes {
            router.on(RouterPath(route.path), method: route.method) { request, _ in await route.handler(request) }
            // Laravel answers HEAD wherever it answers GET: the same headers, no body.
            if route.method == .get {
                router.on(RouterPath(route.path), method: .head) { request, _ in
                    var response = await route.handler(request)
                    response.body = ResponseBody()
                    return response
                }
            }
        }
        return router
    }
}
