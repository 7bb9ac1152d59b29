import AccessTokens
import Foundation
import Messages
import Testing
import TestSupport

/// The walking skeleton's promise: one charging session crosses all five programs.
@Suite("end to end")
struct ChargingSessionTests {
    @Test func oneChargingSessionCrossesEveryHop() async throws {
        try await Stack.run { stack in
            let token = try HS256(secret: Stack.jwtSecret).sign(TokenClaims.laravel(userID: 123, issuer: "e2e", ttl: 600))
            let app = WebSocketProbe(url: "\(stack.gatewayURL)/?token=\(token)")
            let connected = try await app.message(ofType: .connected, timeout: .seconds(20))
            #expect(connected["userId"] == 123)
            // The backend can reach charger-sim once it has announced itself.
            try await waitUntil(timeout: .seconds(20)) { stack.backend.output.contains("CMS announced itself") }

            try await app.send(ClientMessage(action: .startCharging, data: ["charger_id": "CP001", "connector_id": 1]))
            let started = try await app.message(ofType: .response, timeout: .seconds(20))
            #expect(started["action"] == "start_charging")
            #expect(started["data"]?["success"] == true)
            #expect(started["data"]?["charger_id"] == "CP001")
            let transaction = try #require(started["data"]?["transaction_id"])

            let sessionStarted = try await app.message(ofType: .sessionUpdate, timeout: .seconds(20)) { $0["event"] == "session_started" }
            #expect(sessionStarted["transaction_id"] == transaction)
            let firstMeter = try await app.message(ofType: .sessionUpdate, index: 0, timeout: .seconds(20)) { $0["event"] == "meter_value" }
            let secondMeter = try await app.message(ofType: .sessionUpdate, index: 1, timeout: .seconds(20)) { $0["event"] == "meter_value" }
            let firstEnergy = try #require(firstMeter["data"]?["energy_delivered"]?.doubleValue)
            let secondEnergy = try #require(secondMeter["data"]?["energy_delivered"]?.doubleValue)
            #expect(secondEnergy > firstEnergy)
            // Pushed in order: session_started before the meter values.
            let received = app.received
            let startedIndex = try #require(received.firstIndex { $0.contains(#""event":"session_started""#) })
            let meterIndex = try #require(received.firstIndex { $0.contains(#""event":"meter_value""#) })
            #expect(startedIndex < meterIndex)
            #expect(try JSONCoding.decode(SessionUpdate.self, from: received[meterIndex]).data.decode(as: MeterValueData.self).chargerID == "CP001")

            try await app.send(ClientMessage(action: .stopCharging, data: ["charger_id": "CP001"]))
            let stopped = try await app.message(ofType: .response, timeout: .seconds(20)) { $0["action"] == "stop_charging" }
            #expect(stopped["data"]?["success"] == true)
            #expect(stopped["data"]?["status"] == "stopped")
            let sessionStopped = try await app.message(ofType: .sessionUpdate, timeout: .seconds(20)) { $0["event"] == "session_stopped" }
            let stopData = try #require(sessionStopped["data"]).decode(as: SessionStoppedData.self)
            #expect(stopData.stopReason == "RemoteStop")
            #expect(stopData.energyDelivered >= secondEnergy)
            try await app.close()
        }
    }

    @Test func clientDemoPassesAgainstTheStack() async throws {
        try await Stack.run { stack in
            try await waitUntil(timeout: .seconds(20)) { stack.backend.output.contains("CMS announced itself") }
            let process = Process()
            process.executableURL = ServerProcess.binDirectory.appendingPathComponent("client")
            process.arguments = ["demo", "--gateway-url", stack.gatewayURL, "--user", "124", "--jwt-secret", Stack.jwtSecret, "--charger", "CP002"]
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            // Read on a dispatch thread: the demo takes seconds, the test's threads are few.
            let text = await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    let data = output.fileHandleForReading.readDataToEndOfFile()
                    process.waitUntilExit()
                    continuation.resume(returning: String(decoding: data, as: UTF8.self))
                }
            }
            #expect(process.terminationStatus == 0, "\(text)")
            #expect(text.contains("demo passed"))
        }
    }
}
