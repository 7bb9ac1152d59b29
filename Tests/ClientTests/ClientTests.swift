import AccessTokens
import Messages
import Testing

@testable import Client

@Suite("client")
struct ClientTests {
    @Test func shortCommandsBecomeTheSpecsActions() {
        #expect(ShortCommand.parse("start CP001 2") == ClientMessage(action: .startCharging, data: ["charger_id": "CP001", "connector_id": 2]))
        #expect(ShortCommand.parse("start CP001") == ClientMessage(action: .startCharging, data: ["charger_id": "CP001"]))
        #expect(ShortCommand.parse("stop") == ClientMessage(action: .stopCharging, data: [:]))
        #expect(ShortCommand.parse("stop CP002") == ClientMessage(action: .stopCharging, data: ["charger_id": "CP002"]))
        #expect(ShortCommand.parse("status CP001") == ClientMessage(action: .getChargerStatus, data: ["charger_id": "CP001"]))
        #expect(ShortCommand.parse("session") == ClientMessage(action: .getActiveSession))
        #expect(ShortCommand.parse("list") == ClientMessage(action: .listChargers))
        #expect(ShortCommand.parse("start") == nil)
        #expect(ShortCommand.parse(#"{"action":"list_chargers"}"#) == nil)
    }

    @Test func connectionURLCarriesTheToken() {
        let logger = Logger(label: "client-test")
        #expect(GatewayConnection(gatewayURL: "ws://127.0.0.1:8080", token: "T", logger: logger).url == "ws://127.0.0.1:8080/?token=T")
        #expect(GatewayConnection(gatewayURL: "ws://h:1/ws", token: "T", logger: logger).url == "ws://h:1/ws?token=T")
        #expect(GatewayConnection(gatewayURL: "ws://h:1/?a=b", token: "T", logger: logger).url == "ws://h:1/?a=b&token=T")
    }

    @Test func developmentTokensVerifyWithTheSecret() throws {
        let token = try DevelopmentToken.mint(userID: 123, secret: "s")
        let claims = try HS256(secret: "s").verify(token)
        #expect(claims.sub == 123)
        #expect(claims.prv == TokenClaims.laravelUserModelHash)
        #expect(throws: TokenError.badSignature) { try HS256(secret: "t").verify(token) }
    }
}

import Logging
