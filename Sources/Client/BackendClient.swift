import AppConnection
import AsyncHTTPClient
import Foundation
import Messages
import NIOCore
import NIOHTTP1

/// The backend's HTTP API as the app calls it (login) and as the benchmark loads it.
struct BackendClient: Sendable {
    struct Account: Sendable {
        var userID: Int
        var token: String
    }

    let baseURL: String
    let http: HTTPClient

    init(baseURL: String, connections: Int) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(2)))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = connections
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func shutdown() { _ = http.shutdown() }

    /// Registers `count` fresh users (bcrypt makes this a few seconds), 8 at a time.
    func registerUsers(_ count: Int) async throws -> [Account] {
        let run = UInt32.random(in: 0...UInt32.max)
        var accounts: [Account] = []
        for batch in stride(from: 0, to: count, by: 8) {
            accounts += try await withThrowingTaskGroup(of: Account.self) { group in
                for index in batch..<min(count, batch + 8) {
                    group.addTask {
                        let email = "bench-\(run)-\(index)@example.com"
                        let body: JSONValue = ["name": .string("Bench \(index)"), "email": .string(email), "password": "bench-password"]
                        let registered = try await post("/api/auth/register", body, bearer: nil).json ?? .null
                        guard let token = registered["access_token"]?.stringValue else {
                            throw ClientError.step("register failed: \(registered)")
                        }
                        guard let id = try await get("/api/auth/me", bearer: token)["id"]?.intValue else {
                            throw ClientError.step("/api/auth/me did not answer an id")
                        }
                        return Account(userID: id, token: token)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        return accounts
    }

    func chargers(account: Account) async throws -> [ChargerStatusResult] {
        let answer = try await action("list_chargers", [:], account: account)
        return try (answer["data"]?["chargers"] ?? []).decode(as: [ChargerStatusResult].self)
    }

    func action(_ action: String, _ data: [String: JSONValue], account: Account) async throws -> JSONValue {
        try await post("/api/websocket/message", ["action": .string(action), "data": .object(data), "userId": .int(account.userID)], bearer: account.token)
            .json ?? .null
    }

    /// POSTs JSON; the status and the parsed answer (nil when it is not JSON).
    func post(_ path: String, _ body: JSONValue, bearer: String?) async throws -> (status: UInt, json: JSONValue?) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers = ["Content-Type": "application/json", "Accept": "application/json"]
        if let bearer { request.headers.add(name: "Authorization", value: "Bearer \(bearer)") }
        request.body = .bytes(ByteBuffer(bytes: JSONWriter.bytes(body)))
        let response = try await http.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return (response.status.code, try? JSONReader.parse(bytes.readableBytesView))
    }

    private func get(_ path: String, bearer: String) async throws -> JSONValue {
        var request = HTTPClientRequest(url: baseURL + path)
        request.headers = ["Accept": "application/json", "Authorization": "Bearer \(bearer)"]
        return try await send(request)
    }

    private func send(_ request: HTTPClientRequest) async throws -> JSONValue {
        let response = try await http.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 1 << 22)
        return try JSONCoding.decode(JSONValue.self, from: Data(bytes.readableBytesView))
    }
}
