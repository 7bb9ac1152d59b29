import ArgumentParser
import Foundation
import Messages
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
        let backend = BackendClient(baseURL: env.string(backendURL, "BACKEND_URL", default: "http://127.0.0.1:8000"), connections: 1)
        defer { backend.shutdown() }
        let body: JSONValue = ["email": .string(email), "password": .string(env.string(password, "PASSWORD", default: "password"))]
        let status: UInt
        let answer: JSONValue?
        do {
            (status, answer) = try await backend.post("/api/auth/login", body, bearer: nil)
        } catch {
            FileHandle.standardError.write(Data("error: could not reach \(backend.baseURL): \(error)\n".utf8))
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
