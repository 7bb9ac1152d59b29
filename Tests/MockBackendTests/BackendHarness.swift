import AccessTokens
import AsyncHTTPClient
import ServiceRuntime
import Fleet
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Messages
import NIOConcurrencyHelpers
import TestSupport

@testable import MockBackend

/// A CMS stand-in that answers remote commands as told and records them.
final class StubCMS: Sendable {
    private let state = NIOLockedValueBox((answer: RemoteCommandResult(status: "Accepted"), calls: [(path: String, body: JSONValue)]()))

    var calls: [(path: String, body: JSONValue)] { state.withLockedValue { $0.calls } }
    func answer(_ result: RemoteCommandResult) { state.withLockedValue { $0.answer = result } }

    func application(onBound: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        let router = Router()
        router.post("/api/chargers/:charger/connectors/:connector/:command") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            let json = (try? JSONCoding.decode(JSONValue.self, from: Data(body.readableBytesView))) ?? .null
            let answer = self.state.withLockedValue { state in
                state.calls.append((request.uri.path, json))
                return state.answer
            }
            return Response(status: .ok, headers: [.contentType: "application/json"],
                            body: ResponseBody(byteBuffer: ByteBuffer(data: try JSONCoding.encode(answer))))
        }
        return Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                           onServerRunning: { onBound($0.localAddress!.port!) }, logger: Logger(label: "stub-cms"))
    }
}

/// mock-backend's router with a temporary database, a stub CMS and a real Redis.
struct BackendUnderTest: Sendable {
    static let secret = "backend-test-secret"
    static let cmsSecret = "cms-test-secret"
    let backend: BackendApplication
    let cms: StubCMS
    let redisURL: String

    func token(user: Int) throws -> String {
        try HS256(secret: Self.secret).sign(TokenClaims.laravel(userID: user, issuer: "test", ttl: 3600))
    }

    static func run(cmsReachable: Bool = true, _ body: @Sendable (BackendUnderTest, any TestClientProtocol) async throws -> Void) async throws {
        let redis = try await RedisServerProcess()
        let cms = StubCMS()
        let cmsPort = Announcement<Int>()
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("backend-\(UUID()).sqlite").path
        let httpClient = HTTPClient.makeFailFast()
        do {
            try await withServices([cms.application { cmsPort.announce($0) }]) {
                var configuration = BackendConfiguration(jwtSecret: secret, cmsSecret: cmsSecret)
                configuration.databasePath = database
                configuration.redisURL = redis.url
                configuration.cmsURL = cmsReachable ? "http://127.0.0.1:\(await cmsPort.value)" : "http://127.0.0.1:\(try await freePort())"
                let backend = try BackendApplication(
                    configuration: configuration, fleet: .builtIn, httpClient: httpClient, logger: Logger(label: "mock-backend"))
                let underTest = BackendUnderTest(backend: backend, cms: cms, redisURL: redis.url)
                try await backend.application().test(.router) { client in
                    try await body(underTest, client)
                }
            }
        } catch {
            try? await httpClient.shutdown()
            await redis.stop()
            throw error
        }
        try await httpClient.shutdown()
        await redis.stop()
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
    }
}

extension TestClientProtocol {
    /// POSTs JSON and returns the status and the parsed body.
    func post(_ path: String, json: String, bearer: String?) async throws -> (HTTPResponse.Status, JSONValue) {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        return try await execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: json)) { response in
            (response.status, (try? JSONCoding.decode(JSONValue.self, from: Data(response.body.readableBytesView))) ?? .null)
        }
    }

    func action(_ action: String, _ data: String, user: Int, token: String) async throws -> (HTTPResponse.Status, JSONValue) {
        try await post("/api/websocket/message", json: #"{"action":"\#(action)","data":\#(data),"userId":\#(user)}"#, bearer: token)
    }
}
