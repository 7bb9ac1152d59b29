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
import RESP
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
    let redisPort: Int

    func token(user: Int) throws -> String {
        try HS256(secret: Self.secret).sign(TokenClaims.laravel(userID: user, issuer: "test", ttl: 3600))
    }

    /// - Parameter redisRunning: false leaves Redis down; the test may start it on `redisPort`.
    static func run(
        cmsReachable: Bool = true, redisRunning: Bool = true, configure: @Sendable (inout BackendConfiguration) -> Void = { _ in },
        _ body: @Sendable (BackendUnderTest, any TestClientProtocol) async throws -> Void
    ) async throws {
        let redis = redisRunning ? try await RedisServerProcess() : nil
        let redisPort = if let redis { redis.port } else { try await freePort() }
        let redisURL = "redis://127.0.0.1:\(redisPort)"
        let closedCMS = try ClosedPort()
        let cms = StubCMS()
        let cmsPort = Announcement<Int>()
        let database = FileManager.default.temporaryDirectory.appendingPathComponent("backend-\(UUID()).sqlite").path
        let httpClient = HTTPClient.makeFailFast()
        do {
            try await withServices([cms.application { cmsPort.announce($0) }]) {
                var configuration = BackendConfiguration(jwtSecret: secret, cmsSecret: cmsSecret)
                configuration.databasePath = database
                configuration.redisURL = redisURL
                configuration.cmsURL = cmsReachable ? "http://127.0.0.1:\(await cmsPort.value)" : "http://127.0.0.1:\(closedCMS.port)"
                configure(&configuration)
                let backend = try BackendApplication(
                    configuration: configuration, fleet: .builtIn, httpClient: httpClient, logger: Logger(label: "mock-backend"))
                let underTest = BackendUnderTest(backend: backend, cms: cms, redisURL: redisURL, redisPort: redisPort)
                try await backend.application().test(.router) { client in
                    try await body(underTest, client)
                }
            }
        } catch {
            try? await httpClient.shutdown()
            await redis?.stop()
            throw error
        }
        try await httpClient.shutdown()
        await redis?.stop()
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

    func get(_ path: String, bearer: String? = nil) async throws -> (HTTPResponse.Status, JSONValue) {
        var headers: HTTPFields = [:]
        if let bearer { headers[.authorization] = "Bearer \(bearer)" }
        return try await execute(uri: path, method: .get, headers: headers) { response in
            (response.status, (try? JSONCoding.decode(JSONValue.self, from: Data(response.body.readableBytesView))) ?? .null)
        }
    }

    func action(_ action: String, _ data: String, user: Int, token: String) async throws -> (HTTPResponse.Status, JSONValue) {
        try await post("/api/websocket/message", json: #"{"action":"\#(action)","data":\#(data),"userId":\#(user)}"#, bearer: token)
    }
}

/// A Redis subscriber to users' channels that records what arrives, in order.
final class PublishedMessages: Sendable {
    private let received = NIOLockedValueBox<[(channel: String, payload: JSONValue)]>([])
    private let connection: RESPConnection

    private init(connection: RESPConnection) { self.connection = connection }

    static func subscribe(_ url: String, users: [Int]) async throws -> PublishedMessages {
        let box = NIOLockedValueBox<PublishedMessages?>(nil)
        let connection = try await RESPConnection.connect(to: RedisURL(url), onPush: { elements in
            guard elements.count == 3, elements[0].string == "message", let channel = elements[1].string,
                  let payload = elements[2].string, let json = try? JSONCoding.decode(JSONValue.self, from: payload)
            else { return }
            box.withLockedValue { $0 }?.received.withLockedValue { $0.append((channel, json)) }
        })
        let recorder = PublishedMessages(connection: connection)
        box.withLockedValue { $0 = recorder }
        let channels = users.flatMap { UserChannel.names(forUser: $0) }
        connection.sendWithoutReply(["SUBSCRIBE"] + channels)
        let probe = try await RESPConnection.connect(to: RedisURL(url))
        try await waitUntil {
            let counts = try await probe.send(["PUBSUB", "NUMSUB"] + channels).array ?? []
            return stride(from: 1, to: counts.count, by: 2).allSatisfy { counts[$0].integer == 1 }
        }
        await probe.close()
        return recorder
    }

    var all: [(channel: String, payload: JSONValue)] { received.withLockedValue { $0 } }

    func on(_ channel: String) -> [JSONValue] { all.filter { $0.channel == channel }.map(\.payload) }

    /// Waits until `count` messages in all have arrived.
    func waitFor(count: Int) async throws {
        try await waitUntil { self.all.count >= count }
    }

    func close() async { await connection.close() }
}
