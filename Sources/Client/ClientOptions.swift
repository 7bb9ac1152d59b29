import AppConnection
import AccessTokens
import ArgumentParser
import Foundation
import ServiceRuntime

/// Where the gateway is and who the client is: a token, or a user id and the secret to mint one.
struct ClientOptions: ParsableArguments {
    @Option(name: .customLong("gateway-url"), help: "Gateway WebSocket URL (env GATEWAY_URL, default ws://127.0.0.1:8080).")
    var gatewayURL: String?
    @Option(help: "JWT to connect with (env TOKEN).") var token: String?
    @Option(help: "Mint a development token for this user id (needs --jwt-secret or JWT_SECRET).") var user: Int?
    @Option(name: .customLong("jwt-secret"), help: "Secret to mint tokens with (env JWT_SECRET).") var jwtSecret: String?

    var resolvedGatewayURL: String {
        EnvironmentFallback().string(gatewayURL, "GATEWAY_URL", default: "ws://127.0.0.1:8080")
    }

    func resolvedToken() throws -> String {
        let env = EnvironmentFallback()
        if let user {
            guard let secret = env.optionalString(jwtSecret, "JWT_SECRET") else {
                throw ValidationError("--user needs --jwt-secret or JWT_SECRET")
            }
            return try DevelopmentToken.mint(userID: user, secret: secret)
        }
        if let token = env.optionalString(token, "TOKEN") { return token }
        throw ValidationError("give --token (or TOKEN), or --user with --jwt-secret")
    }
}

/// Where the programs of a running stack are, for the commands that look at all of them
/// (`client trace`, `client console`): `none` for a program the stack does not have.
struct RunningStackOptions: ParsableArguments {
    @Option(name: .customLong("gateway-url"), help: "Gateway (env GATEWAY_URL, default ws://127.0.0.1:8080).") var gatewayURL: String?
    @Option(name: .customLong("backend-url"), help: "Backend, or none (env BACKEND_URL, default http://127.0.0.1:8000).") var backendURL: String?
    @Option(name: .customLong("sim-url"), help: "charger-sim, or none (env CMS_URL, default http://127.0.0.1:9000).") var simURL: String?

    var gateway: String? { EnvironmentFallback().urlOrNone(gatewayURL, "GATEWAY_URL", default: "ws://127.0.0.1:8080") }
    var backend: String? { EnvironmentFallback().urlOrNone(backendURL, "BACKEND_URL", default: "http://127.0.0.1:8000") }
    var sim: String? { EnvironmentFallback().urlOrNone(simURL, "CMS_URL", default: "http://127.0.0.1:9000") }
}
