import Hummingbird
import Logging

/// Errors in the bodies a Laravel API sends with `Accept: application/json` in production:
/// an unknown route is a 404 naming it, a known route with another method a 405 with `Allow`,
/// and anything unexpected a bare 500 whose details only reach the log.
struct LaravelErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Path -> methods, to tell a wrong method (405) from an unknown route (404).
    let routes: [String: [HTTPRequest.Method]]
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any HTTPResponseError where error.status == .notFound {
            return notFound(request)
        } catch let error as any HTTPResponseError {
            return JSONResponse.message(error.status.reasonPhrase, status: error.status)
        } catch {
            logger.error("unhandled error", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return JSONResponse.serverError
        }
    }

    private func notFound(_ request: Request) -> Response {
        var path = request.uri.path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        let route = path.drop { $0 == "/" }
        guard let methods = routes[path], !methods.contains(request.method) else {
            return JSONResponse.message("The route \(route) could not be found.", status: .notFound)
        }
        // Laravel answers HEAD wherever it answers GET, and lists it.
        var allowed = methods.map(\.rawValue)
        if methods.contains(.get) { allowed.insert("HEAD", at: allowed.firstIndex(of: "GET")! + 1) }
        var response = JSONResponse.message(
            "The \(request.method.rawValue) method is not supported for route \(route). Supported methods: \(allowed.joined(separator: ", ")).",
            status: .methodNotAllowed)
        response.headers[.allow] = allowed.joined(separator: ", ")
        return response
    }
}
