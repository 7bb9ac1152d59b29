import AsyncHTTPClient
import Foundation
import GRDB
import Messages
import NIOCore
import Testing
import TestSupport

/// mock-backend is durable: killed with SIGKILL in the middle of a session, it comes back with
/// the session, its meter values and the user's active session, and the session goes on.
@Suite("mock-backend restart")
struct BackendRestartTests {
    @Test func aSessionSurvivesSIGKILL() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("restart-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("db.sqlite").path
        let secrets = ["JWT_SECRET": Stack.jwtSecret, "CMS_SECRET": "restart-cms-secret"]

        let redis = try await ServerProcess("mock-redis", arguments: [])
        let backendArguments = ["--redis-url", "redis://127.0.0.1:\(redis.port)", "--database", database]
        var backend = try await ServerProcess("mock-backend", arguments: backendArguments, environment: secrets)
        let simulator = try await ServerProcess(
            "charger-sim",
            arguments: ["--backend-url", "http://127.0.0.1:\(backend.port)", "--meter-interval", "0.1", "--speed", "60", "--seed", "3"],
            environment: secrets)
        do {
            let api = BackendAPI(port: backend.port)
            let first = backend
            try await waitUntil(timeout: .seconds(20)) { first.output.contains("CMS announced itself") }
            let token = try await api.login(email: "demo@example.com", password: "password")
            let started = try await api.action("start_charging", ["charger_id": "CP001", "connector_id": 1], token: token)
            let sessionID = try #require(started["data"]?["session_id"]?.intValue)
            try await waitUntil(timeout: .seconds(20)) { try Self.meterValues(database, session: sessionID) >= 3 }

            await backend.stop()  // SIGKILL: no chance to flush anything
            let storedBefore = try Self.meterValues(database, session: sessionID)
            // Same port, so charger-sim's events find it again.
            backend = try await ServerProcess(
                "mock-backend", arguments: backendArguments + ["--port", String(api.port)], environment: secrets)

            let active = try await api.action("get_active_session", [:], token: token)
            #expect(active["success"] == true)
            #expect(active["data"]?["session_id"] == .int(sessionID))
            #expect(try Self.meterValues(database, session: sessionID) >= storedBefore)
            // The session goes on: new meter values arrive, and it stops as usual.
            try await waitUntil(timeout: .seconds(20)) { try Self.meterValues(database, session: sessionID) > storedBefore }
            let stopped = try await api.action("stop_charging", [:], token: token)
            #expect(stopped["success"] == true)
            #expect(stopped["data"]?["session_id"] == .int(sessionID))
            #expect((stopped["data"]?["energy_delivered"]?.doubleValue ?? 0) > 0)
        } catch {
            for process in [redis, backend, simulator] { print("---- \(process.name) log ----\n\(process.output)") }
            for process in [simulator, backend, redis] { await process.stop() }
            throw error
        }
        for process in [simulator, backend, redis] { await process.stop() }
    }

    /// Reads the database file directly, as a second SQLite client would (WAL allows it).
    static func meterValues(_ path: String, session: Int) throws -> Int {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        return try queue.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM meter_values WHERE session_id = ?", arguments: [session]) ?? 0
        }
    }
}

/// mock-backend's HTTP API, as the gateway and the app call it.
struct BackendAPI: Sendable {
    let port: Int

    func login(email: String, password: String) async throws -> String {
        let json = try await post("/api/auth/login", body: ["email": .string(email), "password": .string(password)], token: nil)
        return try #require(json["access_token"]?.stringValue)
    }

    func action(_ action: String, _ data: [String: JSONValue], token: String) async throws -> JSONValue {
        // The user id a gateway would take from the token: the demo user.
        try await post("/api/websocket/message", body: ["action": .string(action), "data": .object(data), "userId": 123], token: token)
    }

    private func post(_ path: String, body: JSONValue, token: String?) async throws -> JSONValue {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .bytes(ByteBuffer(bytes: try JSONCoding.encode(body)))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        return try JSONCoding.decode(JSONValue.self, from: Data(bytes.readableBytesView))
    }
}
