import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import Console

/// The console's HTTP side: its page, how it finds the stack, and the calls it forwards.
@Suite("console server")
struct ConsoleServerTests {
    /// A port nothing listens on: the console must say so, not hang or answer blank.
    static let closedURL = "http://127.0.0.1:1"

    static func console(backend: String? = closedURL, sim: String? = closedURL, gateway: String = "ws://127.0.0.1:1") -> ConsoleServer {
        var configuration = ConsoleConfiguration(gatewayURL: gateway, backendURL: backend, simURL: sim, cmsSecret: "sim-secret")
        configuration.upstreamTimeout = .seconds(2)
        return ConsoleServer(configuration: configuration)
    }

    @Test func servesThePageAndItsModules() async throws {
        try await Self.console().application().test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/html") == true)
                let page = String(buffer: response.body)
                #expect(page.contains(#"<script type="module" src="app.js">"#))
                #expect(page.contains(#"id="phone-template""#))
            }
            for module in ["app.js", "api.js", "phone.js", "fleet.js", "hops.js", "chart.js"] {
                try await client.execute(uri: "/\(module)", method: .get) { response in
                    #expect(response.status == .ok, "\(module)")
                    // Browsers refuse a module served with another type.
                    #expect(response.headers[.contentType]?.contains("javascript") == true, "\(module)")
                }
            }
            try await client.execute(uri: "/console.css", method: .get) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/css") == true)
            }
            try await client.execute(uri: "/nothing-here.js", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func configNamesTheGatewayAndWhichProgramsThereAre() async throws {
        try await Self.console(sim: nil, gateway: "ws://127.0.0.1:9999").application().test(.router) { client in
            try await client.execute(uri: "/api/config", method: .get) { response in
                let config = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(config?["gateway_url"] as? String == "ws://127.0.0.1:9999")
                #expect(config?["backend"] as? Bool == true)
                #expect(config?["sim"] as? Bool == false)
                #expect((config?["seeded_users"] as? [[String: String]])?.first?["email"] == "demo@example.com")
            }
        }
    }

    @Test func statusSaysWhichProgramIsDownAndWhere() async throws {
        try await Self.console(sim: nil).application().test(.router) { client in
            try await client.execute(uri: "/api/status", method: .get) { response in
                #expect(response.status == .ok)
                let answers = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [[String: Any]])
                #expect(answers.map { $0["name"] as? String } == ["gateway", "backend", "charger-sim"])
                #expect(answers.allSatisfy { $0["reachable"] as? Bool == false })
                #expect(answers[0]["message"] as? String == "gateway unreachable at http://127.0.0.1:1: connection refused")
                #expect(answers[1]["message"] as? String == "backend unreachable at http://127.0.0.1:1: connection refused")
                #expect(answers[2]["message"] as? String == "charger-sim is not part of this stack")
            }
        }
    }

    @Test func anUnreachableProgramIsA502WithItsName() async throws {
        try await Self.console(sim: nil).application().test(.router) { client in
            try await client.execute(uri: "/backend/api/auth/login", method: .post, body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .badGateway)
                #expect(String(buffer: response.body) == #"{"message":"backend unreachable at http:\/\/127.0.0.1:1: connection refused"}"#)
            }
            try await client.execute(uri: "/sim/api/chargers", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("charger-sim is not part of this stack"))
            }
        }
    }

    @Test func callsAreForwardedAndTheSimGetsItsSecret() async throws {
        // A stand-in upstream that says what it was sent.
        let router = Router()
        router.post("/api/echo") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 1 << 16)
            let answer = #"{"path":"/api/echo","query":"\#(request.uri.query ?? "")","authorization":"\#(request.headers[.authorization] ?? "")","traceparent":"\#(request.headers[HTTPField.Name("traceparent")!] ?? "")","body":\#(String(buffer: body).isEmpty ? "null" : String(buffer: body))}"#
            return Response(status: .created, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer)))
        }
        try await Application(router: router).test(.live) { upstream in
            let base = "http://127.0.0.1:\(try #require(upstream.port))"
            try await Self.console(backend: base, sim: base).application().test(.router) { client in
                let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
                try await client.execute(
                    uri: "/sim/api/echo?x=1", method: .post,
                    headers: [.authorization: "Bearer from-the-page", .contentType: "application/json", HTTPField.Name("traceparent")!: traceparent],
                    body: ByteBuffer(string: #"{"a":1}"#)
                ) { response in
                    #expect(response.status == .created)
                    let echo = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                    #expect(echo?["authorization"] as? String == "Bearer sim-secret")
                    #expect(echo?["query"] as? String == "x=1")
                    #expect(echo?["traceparent"] as? String == traceparent)
                    #expect((echo?["body"] as? [String: Int])?["a"] == 1)
                }
                try await client.execute(uri: "/backend/api/echo", method: .post, headers: [.authorization: "Bearer user-token"]) { response in
                    let echo = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                    #expect(echo?["authorization"] as? String == "Bearer user-token")
                }
            }
        }
    }

    @Test func aTraceIdIsCheckedBeforeAnyProgramIsAsked() async throws {
        try await Self.console().application().test(.router) { client in
            try await client.execute(uri: "/api/traces/not-a-trace", method: .get) { response in
                #expect(response.status == .badRequest)
                #expect(String(buffer: response.body).contains("32 hex digits"))
            }
            try await client.execute(uri: "/api/traces/0af7651916cd43dd8448eb211c80319c", method: .get) { response in
                #expect(response.status == .ok)
                let answer = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect((answer?["hops"] as? [Any])?.isEmpty == true)
                #expect((answer?["unavailable"] as? [String])?.count == 3)
            }
        }
    }

    @Test func startListensOnAFreePortAndStops() async throws {
        var configuration = ConsoleConfiguration(gatewayURL: "ws://127.0.0.1:1")
        configuration.port = 0
        let running = try await ConsoleServer(configuration: configuration).start()
        #expect(running.port > 0)
        #expect(running.url == "http://127.0.0.1:\(running.port)/")
        await running.stop()

        // A taken port is an error that says so, not a hang.
        configuration.port = running.port
        let first = try await ConsoleServer(configuration: { var c = configuration; c.port = 0; return c }()).start()
        configuration.port = first.port
        await #expect(throws: ConsoleStartError.self) { try await ConsoleServer(configuration: configuration).start() }
        await first.stop()
    }
}
