import AccessTokens
import Foundation
import Hummingbird
import HummingbirdTesting
import Messages
import Testing
import TestSupport

@testable import MockBackend

/// `/api/auth/*` as jwt-auth answers, and the tokens it issues.
@Suite("mock-backend auth")
struct AuthTests {
    @Test func loginIssuesAJwtAuthToken() async throws {
        try await BackendUnderTest.run { _, client in
            let (status, json) = try await client.post(
                "/api/auth/login", json: #"{"email":"demo@example.com","password":"password"}"#, bearer: nil)
            #expect(status == .ok)
            #expect(json["token_type"] == "bearer")
            #expect(json["expires_in"] == 3600)
            let token = try #require(json["access_token"]?.stringValue)
            let claims = try HS256(secret: BackendUnderTest.secret).verify(token)
            #expect(claims.sub == 123)
            #expect(claims.prv == "23bd5c8949f600adb39e701c400872db7a5976f7")
            #expect(claims.exp - (claims.iat ?? 0) == 3600 && claims.nbf == claims.iat)
            #expect(claims.jti?.isEmpty == false && claims.iss?.isEmpty == false)
            // The payload's `sub` is a string, as jwt-auth writes it.
            let payload = try #require(Data(base64Encoded: base64(token.split(separator: ".")[1])))
            #expect(try JSONCoding.decode(JSONValue.self, from: payload)["sub"] == "123")

            let (meStatus, me) = try await client.get("/api/auth/me", bearer: token)
            #expect(meStatus == .ok)
            #expect(me["id"] == 123 && me["email"] == "demo@example.com" && me["name"] == "Demo User")
            #expect(me["password_hash"] == nil && me["email_verified_at"] != nil)
            let laravelTime = #/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z/#
            #expect(try laravelTime.wholeMatch(in: #require(me["created_at"]?.stringValue)) != nil)
        }
    }

    @Test func badCredentialsAreUnauthorized() async throws {
        try await BackendUnderTest.run { _, client in
            for body in [#"{"email":"demo@example.com","password":"wrong"}"#, #"{"email":"nobody@example.com","password":"password"}"#] {
                let (status, json) = try await client.post("/api/auth/login", json: body, bearer: nil)
                #expect(status == .unauthorized)
                #expect(json == ["error": "Unauthorized"])
            }
        }
    }

    @Test func loginValidationIsLaravels() async throws {
        try await BackendUnderTest.run { _, client in
            let (status, json) = try await client.post("/api/auth/login", json: "{}", bearer: nil)
            #expect(status == .unprocessableContent)
            #expect(json == [
                "message": "The email field is required. (and 1 more error)",
                "errors": ["email": ["The email field is required."], "password": ["The password field is required."]],
            ])
            let (badEmail, invalid) = try await client.post("/api/auth/login", json: #"{"email":"demo","password":7}"#, bearer: nil)
            #expect(badEmail == .unprocessableContent)
            #expect(invalid["errors"] == [
                "email": ["The email field must be a valid email address."], "password": ["The password field must be a string."],
            ])
        }
    }

    @Test func loginAcceptsAForm() async throws {
        try await BackendUnderTest.run { _, client in
            let status = try await client.execute(
                uri: "/api/auth/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: ByteBuffer(string: "email=demo%40example.com&password=password")
            ) { $0.status }
            #expect(status == .ok)
        }
    }

    @Test func registerCreatesAUserWhoCanChargeAndLogIn() async throws {
        try await BackendUnderTest.run { _, client in
            let body = #"{"name":"Dana","email":"dana@example.com","password":"long enough","password_confirmation":"long enough"}"#
            let (status, json) = try await client.post("/api/auth/register", json: body, bearer: nil)
            #expect(status == .created)
            let token = try #require(json["access_token"]?.stringValue)
            let me = try await client.get("/api/auth/me", bearer: token).1
            let id = try #require(me["id"]?.intValue)
            #expect(id > 126 && me["name"] == "Dana")
            let (started, _) = try await client.action("start_charging", #"{"charger_id":"CP003"}"#, user: id, token: token)
            #expect(started == .ok)
            #expect(try await client.post("/api/auth/login", json: #"{"email":"DANA@example.com","password":"long enough"}"#, bearer: nil).0 == .ok)

            let (taken, errors) = try await client.post("/api/auth/register", json: body, bearer: nil)
            #expect(taken == .unprocessableContent)
            #expect(errors["errors"] == ["email": ["The email has already been taken."]])
            let (short, shortErrors) = try await client.post(
                "/api/auth/register", json: #"{"name":"E","email":"e@example.com","password":"short","password_confirmation":"other"}"#, bearer: nil)
            #expect(short == .unprocessableContent)
            #expect(shortErrors["errors"] == [
                "password": ["The password field must be at least 8 characters.", "The password field confirmation does not match."],
            ])
        }
    }

    @Test func logoutRevokesTheToken() async throws {
        try await BackendUnderTest.run { backend, client in
            let token = try backend.token(user: 124)
            let (status, json) = try await client.post("/api/auth/logout", json: "", bearer: token)
            #expect(status == .ok)
            #expect(json == ["message": "Successfully logged out"])
            #expect(try await client.get("/api/auth/me", bearer: token).0 == .unauthorized)
            #expect(try await client.action("list_chargers", "{}", user: 124, token: token).0 == .unauthorized)
            #expect(try await client.post("/api/auth/logout", json: "", bearer: token).0 == .unauthorized)
        }
    }

    @Test func refreshReplacesTheToken() async throws {
        try await BackendUnderTest.run { backend, client in
            // Expired an hour ago, still within the refresh window.
            let expired = try HS256(secret: BackendUnderTest.secret).sign(
                TokenClaims.laravel(userID: 125, issuer: "t", ttl: 60, now: Date().addingTimeInterval(-3660)))
            #expect(try await client.get("/api/auth/me", bearer: expired).0 == .unauthorized)
            let (status, json) = try await client.post("/api/auth/refresh", json: "", bearer: expired)
            #expect(status == .ok)
            let fresh = try #require(json["access_token"]?.stringValue)
            #expect(try await client.get("/api/auth/me", bearer: fresh).1["id"] == 125)
            // The refreshed token is spent.
            #expect(try await client.post("/api/auth/refresh", json: "", bearer: expired).0 == .unauthorized)
        }
    }

    @Test func tokensWithoutJtiCanBeRevokedToo() async throws {
        try await BackendUnderTest.run { _, client in
            let bare = try HS256(secret: BackendUnderTest.secret).sign(TokenClaims(sub: 126, exp: Int(Date().timeIntervalSince1970) + 600))
            #expect(try await client.get("/api/auth/me", bearer: bare).0 == .ok)
            #expect(try await client.post("/api/auth/logout", json: "", bearer: bare).0 == .ok)
            #expect(try await client.get("/api/auth/me", bearer: bare).0 == .unauthorized)
        }
    }

    @Test func unknownRoutesAndMethodsAnswerAsLaravel() async throws {
        try await BackendUnderTest.run { _, client in
            let (status, json) = try await client.get("/api/nothing/here")
            #expect(status == .notFound)
            #expect(json == ["message": "The route api/nothing/here could not be found."])
            let allow = try await client.execute(uri: "/api/websocket/message", method: .get) { response in
                #expect(response.status == .methodNotAllowed)
                let body = try JSONCoding.decode(JSONValue.self, from: Data(response.body.readableBytesView))
                #expect(body == ["message": "The GET method is not supported for route api/websocket/message. Supported methods: POST."])
                return response.headers[.allow]
            }
            #expect(allow == "POST")
            let head = try await client.execute(uri: "/health", method: .head) { ($0.status, $0.body.readableBytes) }
            #expect(head.0 == .ok && head.1 == 0)
            let (healthStatus, health) = try await client.get("/health")
            #expect(healthStatus == .ok)
            #expect(health["status"] == "ok" && health["database"] == "up")
        }
    }

    private func base64(_ part: Substring) -> String {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return text
    }
}

@Suite("password hashes")
struct PasswordHasherTests {
    @Test func hashesVerifyAsLaravelWritesThem() {
        let hash = PasswordHasher.hash("secret")
        #expect(hash.hasPrefix("$2y$10$") && hash.count == 60)
        #expect(PasswordHasher.verify("secret", hash: hash))
        #expect(!PasswordHasher.verify("Secret", hash: hash))
        // The same hash under the names other bcrypt implementations use.
        #expect(PasswordHasher.verify("secret", hash: "$2b$" + hash.dropFirst(4)))
        #expect(!PasswordHasher.verify("secret", hash: "not a hash"))
    }
}
