import AsyncHTTPClient
import NIOCore

extension HTTPClient {
    /// The HTTP client every executable uses to call another: a refused connection fails the
    /// call at once, instead of being retried until the request's deadline, so callers can
    /// answer "unavailable" quickly and decide themselves whether to retry.
    public static func makeFailFast(connectTimeout: TimeAmount = .seconds(2)) -> HTTPClient {
        var configuration = HTTPClient.Configuration(timeout: .init(connect: connectTimeout))
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }
}
