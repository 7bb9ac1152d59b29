import AppConnection
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

    @Test func theQueueKeepsOrderRefusesPastItsLimitAndSendsEachMessageOnce() async {
        let queue = OutboundQueue(limit: 2)
        #expect(await queue.enqueue("a"))
        #expect(await queue.enqueue("b"))
        #expect(await !queue.enqueue("c"))
        // Taken but not written (the connection dropped): still first.
        #expect(await queue.first() == "a")
        #expect(await queue.first() == "a")
        await queue.removeFirst()
        #expect(await queue.first() == "b")
        await queue.finish()
        #expect(await !queue.enqueue("d"))
        #expect(await !queue.isDone)
        await queue.removeFirst()
        #expect(await queue.isDone)
        #expect(await queue.first() == nil)
    }

    @Test func aWaitingSenderWakesForTheNextMessage() async {
        let queue = OutboundQueue()
        async let next = queue.first()
        await Task.yield()
        #expect(await queue.enqueue("later"))
        #expect(await next == "later")
    }

    @Test func thePacerAllowsABurstThenTheRate() {
        var pacer = SendPacer(rate: 10, burst: 2)
        let start = ContinuousClock.now
        #expect(pacer.delayForNextSend(now: start) == .zero)
        #expect(pacer.delayForNextSend(now: start) == .zero)
        let third = pacer.delayForNextSend(now: start)
        #expect(third > .milliseconds(99) && third <= .milliseconds(100))
        // A second later the bucket is full again.
        #expect(pacer.delayForNextSend(now: start + .seconds(1)) == .zero)
    }
}

import Logging
