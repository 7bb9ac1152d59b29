import ArgumentParser
import AsyncHTTPClient
import Foundation
import Messages
import NIOCore
import ServiceRuntime

/// `client login`: email and password against the backend's `/api/auth/login`; prints the
/// access token, for `--token` or `TOKEN`.
struct LoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login", abstract: "Log in to the backend and print the access token.",
        discussion: "Exit status: 0 with the token on stdout, 1 when the credentials are refused, 2 when the backend could not be reached.")

    @Option(name: .customLong("backend-url"), help: "The backend (env BACKEND_URL, default http://127.0.0.1:8000).") var backendURL: String?
    @Option(help: "Email address.") var email = "demo@example.com"
    @Option(help: "Password (env PASSWORD).") var password: String?

    func run() async throws {
        let env = EnvironmentFallback()
        var base = env.string(backendURL, "BACKEND_URL", default: "http://127.0.0.1:8000")
        while base.hasSuffix("/") { base.removeLast() }
        let body: JSONValue = ["email": .string(email), "password": .string(env.string(password, "PASSWORD", default: "password"))]
        var request = HTTPClientRequest(url: base + "/api/auth/login")
        request.method = .POST
        request.headers = ["Content-Type": "application/json", "Accept": "application/json"]
        request.body = .bytes(ByteBuffer(bytes: JSONWriter.bytes(body)))
        let status: UInt
        let answer: JSONValue?
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
            let bytes = try await response.body.collect(upTo: 1 << 20)
            status = response.status.code
            answer = try? JSONReader.parse(bytes.readableBytesView)
        } catch {
            FileHandle.standardError.write(Data("error: could not reach \(base): \(error)\n".utf8))
            throw ExitCode(2)
        }
        guard status == 200, let token = answer?["access_token"]?.stringValue else {
            let reason = answer?["error"]?.stringValue ?? answer?["message"]?.stringValue ?? "HTTP \(status)"
            FileHandle.standardError.write(Data("login refused: \(reason)\n".utf8))
            throw ExitCode(1)
        }
        print(token)
    }
}
