import Fleet
import Foundation
import HopTrace
import Hummingbird
import LocalStack
import Logging
import NIOCore

/// The console's HTTP side: the page's files, `/api/config` and `/api/status` for the page to
/// find the stack, `/api/traces/ID` (an action's timeline across the programs), and the
/// programs' HTTP APIs under `/backend`, `/sim` and `/gateway`.
public struct ConsoleServer: Sendable {
    public let configuration: ConsoleConfiguration
    let logger: Logger

    public init(configuration: ConsoleConfiguration, logger: Logger = Logger(label: "console")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The users mock-backend seeds (every password is `password`), offered by the login form.
    static let seededUsers: [[String: String]] = SeededUser.all.map { ["id": String($0.id), "email": $0.email] }

    var upstreams: [Upstream] {
        [
            Upstream(name: "backend", prefix: "/backend", baseURL: configuration.backendURL),
            Upstream(name: "charger-sim", prefix: "/sim", baseURL: configuration.simURL,
                     authorization: configuration.cmsSecret.map { "Bearer \($0)" }),
            Upstream(name: "gateway", prefix: "/gateway", baseURL: configuration.gatewayHTTP),
        ]
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let configuration = configuration
        router.add(middleware: UpstreamMiddleware(upstreams: upstreams, timeout: configuration.upstreamTimeout))
        router.add(middleware: FileMiddleware(
            configuration.staticFolder ?? ConsoleConfiguration.bundledStaticFolder,
            cacheControl: .init([(MediaType(type: .any), [.noCache])]), searchForIndexHtml: true, logger: logger))

        router.get("/api/config") { _, _ in
            ConsoleJSON.response(ConsoleConfigAnswer(
                gatewayURL: configuration.gatewayURL, backend: configuration.backendURL != nil,
                sim: configuration.simURL != nil, seededUsers: Self.seededUsers))
        }
        router.get("/api/status") { _, _ in
            let probe = StackProbe(gateway: configuration.gatewayHTTP, backend: configuration.backendURL,
                                   sim: configuration.simURL, timeout: .seconds(1))
            return ConsoleJSON.response(await probe.probe())
        }
        router.get("/api/traces/:trace") { _, context in
            guard let traceID = TraceParent.traceID(given: context.parameters.get("trace") ?? "") else {
                return ConsoleJSON.message("A trace id is 32 hex digits (or a whole traceparent)", status: .badRequest)
            }
            let collector = TraceCollector(gateway: configuration.gatewayHTTP, backend: configuration.backendURL, cms: configuration.simURL)
            let (timeline, unavailable) = await collector.timeline(of: traceID)
            return ConsoleJSON.response(TraceAnswer(
                traceID: traceID, hops: timeline.hops, wentWrong: timeline.firstFailure?.spanID, unavailable: unavailable))
        }
        return router
    }

    /// The server on `configuration.host:port`; `onRunning` gets the bound port (for port 0).
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        Application(
            router: router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "console"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }
}

struct ConsoleConfigAnswer: Encodable {
    var gatewayURL: String
    var backend: Bool
    var sim: Bool
    var seededUsers: [[String: String]]

    enum CodingKeys: String, CodingKey {
        case gatewayURL = "gateway_url", backend, sim, seededUsers = "seeded_users"
    }
}

struct TraceAnswer: Encodable {
    var traceID: String
    var hops: [HopRecord]
    /// The span of the hop where it went wrong, if one did.
    var wentWrong: String?
    /// Programs that could not say, and why.
    var unavailable: [String]

    enum CodingKeys: String, CodingKey {
        case traceID = "trace_id", hops, wentWrong = "went_wrong", unavailable
    }
}

/// Sends `/backend/...`, `/sim/...` and `/gateway/...` on to their program.
struct UpstreamMiddleware: RouterMiddleware {
    typealias Context = BasicRequestContext
    let upstreams: [Upstream]
    let timeout: Duration

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        for upstream in upstreams where path == upstream.prefix || path.hasPrefix(upstream.prefix + "/") {
            let rest = String(path.dropFirst(upstream.prefix.count))
            return await upstream.forward(request, path: rest.isEmpty ? "/" : rest, timeout: timeout)
        }
        return try await next(request, context)
    }
}
