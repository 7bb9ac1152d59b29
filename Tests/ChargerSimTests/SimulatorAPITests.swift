import AsyncHTTPClient
import ServiceRuntime
import Fleet
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Messages
import Testing

@testable import ChargerSim

/// The CMS hop's HTTP API, with its error paths.
@Suite("charger-sim API")
struct SimulatorAPITests {
    static func withAPI(_ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var configuration = SimulatorConfiguration(cmsSecret: "cms")
        configuration.meterInterval = 0.05
        configuration.backendURL = "http://127.0.0.1:1"
        let httpClient = HTTPClient.makeFailFast()
        let app = SimulatorApplication(configuration: configuration, fleet: .builtIn, httpClient: httpClient, logger: Logger(label: "sim"))
        do {
            try await app.application().test(.router) { client in try await body(client) }
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }

    static func post(_ client: any TestClientProtocol, _ path: String, _ body: String, secret: String = "cms") async throws -> (HTTPResponse.Status, JSONValue) {
        try await client.execute(uri: path, method: .post, headers: [.authorization: "Bearer \(secret)", .contentType: "application/json"],
                                 body: ByteBuffer(string: body)) { response in
            (response.status, (try? JSONCoding.decode(JSONValue.self, from: Data(response.body.readableBytesView))) ?? .null)
        }
    }

    @Test func walkInsAreSwitchedOverTheAPI() async throws {
        try await Self.withAPI { client in
            try await client.execute(uri: "/api/walk-ins", method: .get, headers: [.authorization: "Bearer cms"]) { response in
                #expect(String(buffer: response.body) == #"{"enabled":false}"#)
            }
            #expect(try await Self.post(client, "/api/walk-ins", #"{"enabled":true}"#) == (.ok, ["enabled": true]))
            try await client.execute(uri: "/api/walk-ins", method: .get, headers: [.authorization: "Bearer cms"]) { response in
                #expect(String(buffer: response.body) == #"{"enabled":true}"#)
            }
            let (status, refused) = try await Self.post(client, "/api/walk-ins", #"{"enabled":"yes"}"#)
            #expect(status == .unprocessableContent && refused["reason"] == "Body must be {enabled: true|false}")
            #expect(try await Self.post(client, "/api/walk-ins", #"{"enabled":false}"#, secret: "wrong").0 == .unauthorized)
        }
    }

    @Test func remoteStartAndStop() async throws {
        try await Self.withAPI { client in
            let (status, started) = try await Self.post(client, "/api/chargers/CP001/connectors/1/remote-start", #"{"id_tag":"RFID1","transaction_id":5}"#)
            #expect(status == .ok)
            #expect(started == ["status": "Accepted"])
            let (_, again) = try await Self.post(client, "/api/chargers/CP001/connectors/1/remote-start", #"{"id_tag":"RFID2","transaction_id":6}"#)
            #expect(again == ["status": "Rejected", "reason": "Connector is Charging"])
            let (_, stopped) = try await Self.post(client, "/api/chargers/CP001/connectors/1/remote-stop", #"{"transaction_id":5}"#)
            #expect(stopped == ["status": "Accepted"])
        }
    }

    @Test func errorPaths() async throws {
        try await Self.withAPI { client in
            let (unauthorized, _) = try await Self.post(client, "/api/chargers/CP001/connectors/1/remote-start", "{}", secret: "nope")
            #expect(unauthorized == .unauthorized)
            let (unknown, body) = try await Self.post(client, "/api/chargers/CP404/connectors/1/remote-start", #"{"id_tag":"a","transaction_id":1}"#)
            #expect(unknown == .notFound)
            #expect(body["status"] == "Rejected")
            let (badConnector, _) = try await Self.post(client, "/api/chargers/CP001/connectors/x/remote-start", #"{"id_tag":"a","transaction_id":1}"#)
            #expect(badConnector == .notFound)
            let (badBody, rejected) = try await Self.post(client, "/api/chargers/CP001/connectors/1/remote-start", #"{"id_tag":5}"#)
            #expect(badBody == .unprocessableContent)
            #expect(rejected["status"] == "Rejected")
        }
    }

    @Test func faultRoutes() async throws {
        try await Self.withAPI { client in
            let connector = "/api/chargers/CP001/connectors/1"
            _ = try await Self.post(client, connector + "/remote-start", #"{"id_tag":"RFID1","transaction_id":5}"#)
            #expect(try await Self.post(client, connector + "/fault", #"{"error_code":"OverVoltage","info":"test"}"#) == (.ok, ["status": "Accepted"]))
            #expect(try await Self.post(client, connector + "/fault", #"{"error_code":"OverVoltage"}"#).0 == .conflict)
            #expect(try await Self.post(client, connector + "/clear-fault", "").0 == .ok)
            #expect(try await Self.post(client, connector + "/unplug", "").0 == .ok)
            #expect(try await Self.post(client, connector + "/unplug", "") == (.conflict, ["status": "Rejected", "reason": "No car is plugged in"]))
            #expect(try await Self.post(client, "/api/chargers/CP002/power-loss", "").0 == .ok)
            #expect(try await Self.post(client, "/api/chargers/CP002/power-loss", "").0 == .conflict)
            #expect(try await Self.post(client, "/api/chargers/CP002/power-restore", "").0 == .ok)
            #expect(try await Self.post(client, "/api/chargers/CP003/offline", "").0 == .ok)
            #expect(try await Self.post(client, "/api/chargers/CP003/connectors/1/remote-start", #"{"id_tag":"A","transaction_id":7}"#)
                    == (.conflict, ["status": "Rejected", "reason": "Charger is offline"]))
            #expect(try await Self.post(client, "/api/chargers/CP003/online", "").0 == .ok)
            let reserve = "/api/chargers/CP004/connectors/1/reserve"
            #expect(try await Self.post(client, reserve, #"{"id_tag":"RFID9","reservation_id":1,"expires_in":60}"#).0 == .ok)
            #expect(try await Self.post(client, reserve, #"{"id_tag":"RFID9","reservation_id":2}"#).0 == .conflict)
            #expect(try await Self.post(client, reserve, #"{"id_tag":"RFID9"}"#).0 == .unprocessableContent)
            #expect(try await Self.post(client, "/api/chargers/CP004/connectors/1/cancel-reservation", "").0 == .ok)
        }
    }

    @Test("error paths", arguments: [
        ("/api/chargers/CP001/connectors/1/fault", #"{"error_code":"NoError"}"#, HTTPResponse.Status.unprocessableContent),
        ("/api/chargers/CP001/connectors/1/fault", #"{"error_code":"Melted"}"#, .unprocessableContent),
        ("/api/chargers/CP001/connectors/1/fault", #"[1]"#, .unprocessableContent),
        ("/api/chargers/CP001/connectors/1/remote-stop", #"{"transaction_id":"x"}"#, .unprocessableContent),
        ("/api/chargers/CP001/connectors/1/remote-stop", #"not json"#, .unprocessableContent),
        ("/api/chargers/CP001/connectors/1/remote-stop", "", .conflict),
        ("/api/chargers/CP001/connectors/9/unplug", "", .notFound),
        ("/api/chargers/CP404/power-loss", "", .notFound),
        ("/api/chargers/CP001/connectors/1/clear-fault", "", .conflict),
        ("/api/chargers/CP001/power-restore", "", .conflict),
        ("/api/chargers/CP001/online", "", .conflict),
    ])
    func errorPath(path: String, body: String, status: HTTPResponse.Status) async throws {
        try await Self.withAPI { client in
            let (answer, json) = try await Self.post(client, path, body)
            #expect(answer == status)
            #expect(json["status"] == "Rejected" && json["reason"]?.stringValue?.isEmpty == false)
            #expect(try await Self.post(client, path, body, secret: "wrong").0 == .unauthorized)
        }
    }
}
