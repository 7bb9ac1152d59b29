import AsyncHTTPClient
import Foundation
import Messages
import RESP

/// Health checks that say a program is ready for the next one.
public enum StackHealth {
    public static func http(_ url: String, timeout: Duration = .seconds(30)) async throws {
        try await poll("\(url) to answer 200", timeout: timeout) {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(2))
            _ = try await response.body.collect(upTo: 1 << 20)
            return response.status == .ok
        }
    }

    public static func redis(_ url: String, timeout: Duration = .seconds(30)) async throws {
        try await poll("\(url) to answer PING", timeout: timeout) {
            let connection = try await RESPConnection.connect(to: RedisURL(url))
            defer { Task { await connection.close() } }
            return try await connection.send(["PING"]).string == "PONG"
        }
    }

    /// mock-backend reaches charger-sim once it has taken its announcement; `/health` says
    /// which CMS it would call.
    public static func cmsAnnounced(backend: String, cms: String, timeout: Duration = .seconds(30)) async throws {
        try await poll("mock-backend to learn charger-sim's URL", timeout: timeout) {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: backend + "/health"), timeout: .seconds(2))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (try? JSONCoding.decode(JSONValue.self, from: Data(body.readableBytesView)))?["cms"]?.stringValue == cms
        }
    }

    /// The gateway's `/health` once its Redis subscriber is back (after a Redis restart).
    public static func gatewaySubscribed(_ gatewayHTTP: String, timeout: Duration = .seconds(30)) async throws {
        try await poll("the gateway's Redis subscriber to be up", timeout: timeout) {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: gatewayHTTP + "/health"), timeout: .seconds(2))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (try? JSONReader.parse(body.readableBytesView))?["redis"]?.stringValue == "connected"
        }
    }

    static func poll(_ what: String, timeout: Duration, _ check: @Sendable () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await check()) == true { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw StackError("timed out waiting for \(what)")
    }
}
