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

    @Test func eventsWaitInTheOutboxWhileRedisIsDownAndArriveInOrder() async throws {
        try await BackendUnderTest.run(redisRunning: false) { backend, client in
            let token = try backend.token(user: 123)
            let (_, started) = try await client.action("start_charging", #"{"charger_id":"CP001"}"#, user: 123, token: token)
            let transaction = try #require(started["data"]?["transaction_id"]?.intValue)
            for energy in 1...3 {
                let event = #"{"event":"meter_value","charger_id":"CP001","transaction_id":\#(transaction),"data":{"energy_delivered":\#(energy),"power":7.2,"meter_value":\#(energy * 1000),"timestamp":"2025-01-29T12:0\#(energy):00Z"}}"#
                let (status, _) = try await client.post("/api/cms/events", json: event, bearer: BackendUnderTest.cmsSecret)
                #expect(status == .ok)
            }
            try await waitUntil { try await client.get("/health").1["redis"] == "down" }
            #expect(try await client.get("/health").1["outbox"] == 3)
            let (_, active) = try await client.action("get_active_session", "{}", user: 123, token: token)
            #expect(active["data"]?["energy_delivered"] == 3)

            // Redis comes back refusing the backend (no password) until the subscriber is ready.
            let redis = try await RedisServerProcess(port: backend.redisPort, arguments: ["--requirepass", "pw"])
            let recorder = try await PublishedMessages.subscribe("redis://:pw@127.0.0.1:\(backend.redisPort)", users: [123])
            let admin = try await RESPConnection.connect(to: RedisURL(port: backend.redisPort, password: "pw"))
            try await admin.send(["CONFIG", "SET", "requirepass", ""])
            try await recorder.waitFor(count: 3)
            let energies = recorder.on("user:123:session_updates").map { $0["data"]?["energy_delivered"] }
            #expect(energies == [1, 2, 3])
            try await waitUntil { try await client.get("/health").1["outbox"] == 0 }
            #expect(try await client.get("/health").1["redis"] == "up")
            await admin.close()
            await recorder.close()
            await redis.stop()
        }
    }

    @Test func chargerUpdatesGoToTheConnectorsWatcherUntilItIsAvailableAgain() async throws {
        try await BackendUnderTest.run { backend, client in
            let recorder = try await PublishedMessages.subscribe(backend.redisURL, users: [123, 124])
            func post(_ body: String) async throws {
                let (status, json) = try await client.post("/api/cms/events", json: body, bearer: BackendUnderTest.cmsSecret)
                #expect(status == .ok, "\(json)")
            }
            func status(_ connector: Int, _ status: String, previous: String) async throws {
                try await post(#"{"event":"connector_status_changed","charger_id":"CP001","connector_id":\#(connector),"data":{"status":"\#(status)","previous_status":"\#(previous)","error_code":null,"timestamp":"2025-01-29T12:00:00Z"}}"#)
            }
            // Nobody watches an idle connector.
            try await status(1, "Unavailable", previous: "Available")
            try await status(1, "Available", previous: "Unavailable")

            let (_, started) = try await client.action("start_charging", #"{"charger_id":"CP001"}"#, user: 123, token: try backend.token(user: 123))
            let transaction = try #require(started["data"]?["transaction_id"]?.intValue)
            try await status(1, "Preparing", previous: "Available")
            try await post(#"{"event":"error","charger_id":"CP001","connector_id":1,"data":{"error_code":"GroundFailure","info":"test"}}"#)
            try await post(#"{"event":"session_stopped","charger_id":"CP001","transaction_id":\#(transaction),"data":{"meter_start":0,"meter_stop":0,"energy_delivered":0,"duration":0,"start_time":"2025-01-29T12:00:00Z","stop_time":"2025-01-29T12:00:00Z","stop_reason":"Local"}}"#)
            try await status(1, "Available", previous: "Finishing")
            // The session is over and the connector free: user 123 no longer hears about it.
            try await status(1, "Faulted", previous: "Available")

            // A marker for user 124; the outbox is in order, so everything before it has arrived.
            _ = try await client.action("start_charging", #"{"charger_id":"CP001","connector_id":2}"#, user: 124, token: try backend.token(user: 124))
            try await status(2, "Preparing", previous: "Available")
            try await waitUntil { !recorder.on("user:124:charger_updates").isEmpty }

            let updates = recorder.on("user:123:charger_updates")
            #expect(updates.map { $0["event"] } == ["connector_status_changed", "error", "connector_status_changed"])
            #expect(updates.map { $0["data"]?["status"] } == ["Preparing", nil, "Available"])
            #expect(updates[1]["data"] == ["connector_id": 1, "error_code": "GroundFailure", "info": "test"])
            #expect(updates.allSatisfy { $0["type"] == "charger_update" && $0["charger_id"] == "CP001" })
            #expect(recorder.on("user:124:charger_updates").count == 1)
            // The fault reached the user as a notification too.
            let notifications = recorder.on("user:123:notifications").filter { $0["title"] == "Charger Fault" }
            #expect(notifications.map { $0["data"] } == [["charger_id": "CP001", "connector_id": 1, "error_code": "GroundFailure"]])
            #expect(notifications.first?["message"] == "Charger CP001 reported a fault: GroundFailure")
            await recorder.close()
        }
    }

    @Test func walkInSessionsAreStoredAndAnAppUsersCardMakesThemTheirs() async throws {
        try await BackendUnderTest.run { backend, client in
            func post(_ body: String) async throws -> HTTPResponse.Status {
                try await client.post("/api/cms/events", json: body, bearer: BackendUnderTest.cmsSecret).0
            }
            let anonymous = #"{"event":"session_started","charger_id":"CP003","connector_id":1,"transaction_id":1000000001,"data":{"charger_id":"CP003","connector_id":1,"id_tag":"WALKIN0042","meter_start":1000,"start_time":"2025-01-29T12:00:00Z"}}"#
            #expect(try await post(anonymous) == .ok)
            let meter = #"{"event":"meter_value","charger_id":"CP003","connector_id":1,"transaction_id":1000000001,"data":{"energy_delivered":1.5,"power":11,"meter_value":2500,"timestamp":"2025-01-29T12:10:00Z"}}"#
            #expect(try await post(meter) == .ok)
            // The connector is taken: an app user cannot start there.
            let (busy, _) = try await client.action("start_charging", #"{"charger_id":"CP003"}"#, user: 125, token: try backend.token(user: 125))
            #expect(busy == .conflict)

            // user 124's card (RFID124) at the charger: the session is theirs, in the app too.
            let card = #"{"event":"session_started","charger_id":"CP004","connector_id":1,"transaction_id":1000000002,"data":{"charger_id":"CP004","connector_id":1,"id_tag":"RFID124","meter_start":1000,"start_time":"2025-01-29T12:00:00Z"}}"#
            #expect(try await post(card) == .ok)
            let (_, active) = try await client.action("get_active_session", "{}", user: 124, token: try backend.token(user: 124))
            #expect(active["data"]?["transaction_id"] == 1000000002)
            // The backend's own transaction ids stay below the CMS's.
            let (_, started) = try await client.action("start_charging", #"{"charger_id":"CP005"}"#, user: 126, token: try backend.token(user: 126))
            #expect((started["data"]?["transaction_id"]?.intValue ?? .max) < 1_000_000_000)
        }
    }

    @Test func aBatchIsStoredInOrderAndOneBadEventDoesNotUndoTheOthers() async throws {
        try await BackendUnderTest.run { backend, client in
            let token = try backend.token(user: 123)
            let (_, started) = try await client.action("start_charging", #"{"charger_id":"CP001"}"#, user: 123, token: token)
            let transaction = try #require(started["data"]?["transaction_id"]?.intValue)
            func meter(_ energy: Int) -> String {
                #"{"event":"meter_value","charger_id":"CP001","connector_id":1,"transaction_id":\#(transaction),"data":{"energy_delivered":\#(energy),"power":7,"meter_value":\#(1000 + energy * 1000),"timestamp":"2025-01-29T12:0\#(energy):00Z"}}"#
            }
            let batch = "[\(meter(1)),{\"event\":\"meter_value\",\"charger_id\":\"CP001\",\"transaction_id\":424242,\"data\":{}},\(meter(2)),\"nonsense\"]"
            let (status, json) = try await client.post("/api/cms/events", json: batch, bearer: BackendUnderTest.cmsSecret)
            #expect(status == .ok)
            #expect(json["accepted"] == 2)
            let refused = try #require(json["refused"]).decode(as: [JSONValue].self)
            #expect(refused.map { $0["index"] } == [1, 3])
            #expect(refused[0]["error"] == "Unknown transaction")
            let (_, active) = try await client.action("get_active_session", "{}", user: 123, token: token)
            #expect(active["data"]?["energy_delivered"] == 2)
        }
    }

    @Test func aRestartedCMSEndsTheSessionsItNoLongerKnows() async throws {
        try await BackendUnderTest.run { backend, client in
            let recorder = try await PublishedMessages.subscribe(backend.redisURL, users: [123])
            let token = try backend.token(user: 123)
            let (_, started) = try await client.action("start_charging", #"{"charger_id":"CP001"}"#, user: 123, token: token)
            let session = try #require(started["data"]?["session_id"])
            // The same CMS, back from a restart.
            let online = #"{"event":"cms_online","charger_id":"*","data":{"url":"\#(backend.backend.cms.url)"}}"#
            #expect(try await client.post("/api/cms/events", json: online, bearer: BackendUnderTest.cmsSecret).0 == .ok)

            let (_, active) = try await client.action("get_active_session", "{}", user: 123, token: token)
            #expect(active["error"] == "No active session")
            try await waitUntil { !recorder.on("user:123:session_updates").isEmpty }
            let update = try #require(recorder.on("user:123:session_updates").first)
            #expect(update["event"] == "session_error" && update["session_id"] == session)
            #expect(update["data"]?["message"] == "The charging management system restarted")
            // The connector is free again.
            let (again, _) = try await client.action("start_charging", #"{"charger_id":"CP001"}"#, user: 124, token: try backend.token(user: 124))
            #expect(again == .ok)
            await recorder.close()
        }
    }

    @Test func sessionsOfTheRestartedCMSItselfAreKeptAndEndedTransactionsDoNotStartAgain() async throws {
        try await BackendUnderTest.run { backend, client in
            let token = try backend.token(user: 123)
            let (_, started) = try await client.action("start_charging", #"{"charger_id":"CP001"}"#, user: 123, token: token)
            let transaction = try #require(started["data"]?["transaction_id"]?.intValue)
            // Booted an hour ago: this session is the new run's own, and stays.
            let bootedAt = Timestamp.string(from: Date().addingTimeInterval(-3600))
            let online = #"{"event":"cms_online","charger_id":"*","data":{"url":"\#(backend.backend.cms.url)","booted_at":"\#(bootedAt)"}}"#
            #expect(try await client.post("/api/cms/events", json: online, bearer: BackendUnderTest.cmsSecret).0 == .ok)
            let (_, active) = try await client.action("get_active_session", "{}", user: 123, token: token)
            #expect(active["data"]?["transaction_id"] == .int(transaction))

            // Once completed, a transaction id cannot start a session again.
            let events = [
                #"{"event":"session_stopped","charger_id":"CP001","connector_id":1,"transaction_id":\#(transaction),"data":{"charger_id":"CP001","connector_id":1,"meter_stop":1000,"energy_delivered":0,"duration":0,"stop_time":"2025-01-29T12:00:00Z","stop_reason":"Local"}}"#,
                #"{"event":"session_completed","charger_id":"CP001","connector_id":1,"transaction_id":\#(transaction)}"#,
            ]
            for event in events { #expect(try await client.post("/api/cms/events", json: event, bearer: BackendUnderTest.cmsSecret).0 == .ok) }
            let again = #"{"event":"session_started","charger_id":"CP001","connector_id":1,"transaction_id":\#(transaction),"data":{"charger_id":"CP001","connector_id":1,"id_tag":"X","meter_start":1,"start_time":"2025-01-29T12:00:00Z"}}"#
            let (status, json) = try await client.post("/api/cms/events", json: again, bearer: BackendUnderTest.cmsSecret)
            #expect(status == .conflict && json["error"] == "Transaction ended")
        }
    }
}
