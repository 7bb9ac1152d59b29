import Foundation
import Messages
import Testing
import TestSupport

@testable import Gateway

/// Redis -> app: every message on a user's channels reaches that user's sockets, unchanged,
/// and no one else's.
@Suite("gateway fan-out")
struct GatewayFanOutTests {
    @Test("published messages reach every socket of the user and no other user", arguments: RedisKind.allCases)
    func fanOut(redis: RedisKind) async throws {
        try await GatewayUnderTest.run(redis: redis) { gateway in
            let phone = try await gateway.connect(user: 123)
            let tablet = try await gateway.connect(user: 123)
            let stranger = try await gateway.connect(user: 124)
            let payload = #"{"type":"session_update","session_id":456,"transaction_id":789,"event":"meter_value","data":{"charger_id":"CP001","connector_id":1,"energy_delivered":5.5,"power":7.2,"meter_value":5500,"timestamp":"2025-01-29T12:05:00Z"},"timestamp":"2025-01-29T12:05:00Z"}"#
            try await gateway.publish(payload, to: "user:123:session_updates")
            // Byte for byte what was published.
            #expect(try await phone.message(where: { $0.contains("session_update") }) == payload)
            #expect(try await tablet.message(where: { $0.contains("session_update") }) == payload)

            let own = #"{"type":"notification","title":"Yours","message":"m","data":{},"timestamp":"2025-01-29T12:00:00Z"}"#
            try await gateway.publish(own, to: "user:124:notifications")
            #expect(try await stranger.message(where: { $0.contains("notification") }) == own)
            // The stranger's first pushed message is its own: it never saw user 123's.
            #expect(!stranger.received.contains(payload))
            #expect(!phone.received.contains(own))
            for probe in [phone, tablet, stranger] { try await probe.close() }
        }
    }

    @Test("each loop's own Redis connection delivers to that loop's sockets: every push once, in order", arguments: RedisKind.allCases)
    func perLoopConnections(redis: RedisKind) async throws {
        try await GatewayUnderTest.run(redis: redis) { gateway in
            let channel = "user:500:notifications"
            var sockets: [WebSocketProbe] = []
            for _ in 0..<6 { sockets.append(try await gateway.connect(user: 500)) }
            // The user is subscribed once on each loop that holds one of its sockets.
            let loops = Set(gateway.app.registry.allChannels.map { ObjectIdentifier($0.eventLoop) }).count
            try await waitUntil { try await gateway.subscriberCount(channel) == loops }
            let pushes = (1...20).map { #"{"n":\#($0)}"# }
            for push in pushes { try await gateway.publish(push, to: channel) }
            for socket in sockets { _ = try await socket.message { $0 == pushes.last } }
            for socket in sockets {
                #expect(socket.received.filter { $0.hasPrefix(#"{"n":"#) } == pushes)
            }
            // Down to one socket: one loop, one subscription, and it still gets every push once.
            for socket in sockets.dropFirst() { try await socket.close() }
            try await waitUntil { try await gateway.subscriberCount(channel) == 1 && gateway.app.registry.connectionCount == 1 }
            try await gateway.publish(#"{"n":21}"#, to: channel)
            _ = try await sockets[0].message { $0 == #"{"n":21}"# }
            #expect(sockets[0].received.filter { $0 == #"{"n":21}"# }.count == 1)
            try await sockets[0].close()
            try await waitUntil { try await gateway.subscriberCount(channel) == 0 }
        }
    }

    @Test func lastSocketOfAUserUnsubscribes() async throws {
        try await GatewayUnderTest.run(redis: .real) { gateway in
            let first = try await gateway.connect(user: 200)
            let second = try await gateway.connect(user: 200)
            #expect(gateway.app.subscriber.subscribedChannels == Set(UserChannel.names(forUser: 200)))
            try await first.close()
            #expect(gateway.app.subscriber.subscribedChannels == Set(UserChannel.names(forUser: 200)))
            try await second.close()
            try await waitUntil { gateway.app.subscriber.subscribedChannels.isEmpty && gateway.app.registry.connectionCount == 0 }
        }
    }

    @Test func redisRestartIsSurvived() async throws {
        let redis = try await RedisServerProcess()
        let port = redis.port
        try await GatewayUnderTest.run(redisURL: redis.url, configure: { _ in }) { gateway in
            let probe = try await gateway.connect(user: 123)
            try await gateway.publish(#"{"n":1}"#, to: "user:123:notifications")
            _ = try await probe.message(where: { $0 == #"{"n":1}"# })
            await redis.stop()
            try await waitUntil { !gateway.app.subscriber.isConnected }
            // Actions keep working while Redis is down.
            try await probe.send(ClientMessage(action: .listChargers))
            #expect(try await probe.message(ofType: .response)["data"]?["success"] == true)
            let restarted = try await RedisServerProcess(port: port)
            try await gateway.publish(#"{"n":2}"#, to: "user:123:notifications")
            _ = try await probe.message(where: { $0 == #"{"n":2}"# })
            #expect(gateway.app.subscriber.reconnectCount >= 1)
            try await probe.close()
            await restarted.stop()
        }
        await redis.stop()
    }
}

