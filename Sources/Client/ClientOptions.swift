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
