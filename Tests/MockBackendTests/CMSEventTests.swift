import Foundation
import Hummingbird
import HummingbirdTesting
import Messages
import NIOConcurrencyHelpers
import RESP
import Testing
import TestSupport

@testable import MockBackend

/// `POST /api/cms/events`: stored, then published to the user as the spec's section 3 says.
@Suite("mock-backend CMS events")
struct CMSEventTests {
    @Test func eventsNeedTheCMSSecret() async throws {
        try await BackendUnderTest.run { _, client in
            let (status, _) = try await client.post("/api/cms/events", json: #"{"event":"meter_value","charger_id":"CP001"}"#, bearer: "wrong")
            #expect(status == .unauthorized)
        }
    }

    @Test func sessionEventsArePublishedToTheUser() async throws {
        try await BackendUnderTest.run { backend, client in
            let token = try backend.token(user: 123)
            let (_, started) = try await client.action("start_charging", #"{"charger_id":"CP001"}"#, user: 123, token: token)
            let transaction = try #require(started["data"]?["transaction_id"]?.intValue)
            let session = try #require(started["data"]?["session_id"]?.intValue)

            let published = NIOLockedValueBox<[String]>([])
            let subscriber = try await RESPConnection.connect(to: RedisURL(backend.redisURL), onPush: { elements in
                if elements.first?.string == "message", let payload = elements.last?.string {
                    published.withLockedValue { $0.append(payload) }
                }
            })
            subscriber.sendWithoutReply(["SUBSCRIBE"] + UserChannel.names(forUser: 123))
            let probe = try await RESPConnection.connect(to: RedisURL(backend.redisURL))
            try await waitUntil { try await probe.send(["PUBSUB", "NUMSUB", "user:123:session_updates"]).array?.last?.integer == 1 }

            let event = #"{"event":"meter_value","charger_id":"CP001","transaction_id":\#(transaction),"data":{"energy_delivered":5.5,"power":7.2,"voltage":230,"current":31.3,"meter_value":5500,"timestamp":"2025-01-29T12:05:00Z"}}"#
            let (status, _) = try await client.post("/api/cms/events", json: event, bearer: BackendUnderTest.cmsSecret)
            #expect(status == .ok)
            try await waitUntil { !published.withLockedValue { $0 }.isEmpty }
            let update = try JSONCoding.decode(SessionUpdate.self, from: published.withLockedValue { $0 }[0])
            #expect(update.sessionID == session && update.transactionID == transaction && update.event == .meterValue)
            #expect(update.data == [
                "charger_id": "CP001", "connector_id": 1, "energy_delivered": 5.5, "power": 7.2, "voltage": 230, "current": 31.3,
                "meter_value": 5500, "timestamp": "2025-01-29T12:05:00Z",
            ])
            let (_, active) = try await client.action("get_active_session", "{}", user: 123, token: token)
            #expect(active["data"]?["energy_delivered"] == 5.5)
            await subscriber.close()
            await probe.close()
        }
    }

    @Test func eventsForUnknownTransactionsAreRefused() async throws {
        try await BackendUnderTest.run { _, client in
            let (status, json) = try await client.post(
                "/api/cms/events", json: #"{"event":"meter_value","charger_id":"CP001","transaction_id":424242,"data":{}}"#,
                bearer: BackendUnderTest.cmsSecret)
            #expect(status == .notFound)
            #expect(json["error"] == "Unknown transaction")
        }
    }

    @Test func malformedEventDataIsA422() async throws {
        try await BackendUnderTest.run { backend, client in
            let (_, started) = try await client.action(
                "start_charging", #"{"charger_id":"CP001"}"#, user: 123, token: try backend.token(user: 123))
            let transaction = try #require(started["data"]?["transaction_id"]?.intValue)
            let (status, _) = try await client.post(
                "/api/cms/events", json: #"{"event":"meter_value","charger_id":"CP001","transaction_id":\#(transaction),"data":{"power":"lots"}}"#,
                bearer: BackendUnderTest.cmsSecret)
            #expect(status == .unprocessableContent)
        }
    }
}
