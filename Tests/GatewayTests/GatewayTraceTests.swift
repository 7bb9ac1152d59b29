import Foundation
import HopTrace
import Messages
import Testing
import TestSupport

@testable import Gateway

/// The cross-hop timeline's gateway side: the action's trace goes on to the backend as a
/// `traceparent` header, and `/debug/traces/ID` says what the gateway did with it.
@Suite("gateway traces")
struct GatewayTraceTests {
    @Test func theAppsTraceGoesOnToTheBackendAndIsReported() async throws {
        try await GatewayUnderTest.run(redis: .mock, configure: { $0.traceRecords = 100 }) { gateway in
            gateway.backend.reply(.init(status: .unprocessableContent, body: #"{"success":false,"error":"Charger not available","message":"busy"}"#))
            let probe = try await gateway.connect(user: 123)
            let app = TraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")!
            try await probe.send(#"{"action":"get_charger_status","data":{"charger_id":"CP001"},"traceparent":"\#(app)"}"#)
            _ = try await probe.message(ofType: .response)
            let sent = try #require(gateway.backend.requests.first?.traceparent.flatMap { TraceParent($0) })
            #expect(sent.traceID == app.traceID)
            #expect(sent.spanID != app.spanID)

            let (status, body) = try await httpGetText("http://127.0.0.1:\(gateway.port)/debug/traces/\(app.traceID)")
            #expect(status == 200)
            let report = try JSONDecoder().decode(TraceReport.self, from: Data(body.utf8))
            #expect(report.program == "gateway")
            let action = try #require(report.hops.first { $0.name == "action get_charger_status from user 123" })
            #expect(action.parentSpanID == app.spanID)
            #expect(action.failed)
            #expect(action.detail?.contains("Charger not available") == true)
            let call = try #require(report.hops.first { $0.name == "POST /api/websocket/message" })
            #expect(call.status == 422)
            #expect(call.parentSpanID == action.spanID)
            // The backend's hop is a child of the gateway's call.
            #expect(sent.spanID == call.spanID)
            try await probe.close()
        }
    }

    @Test func anUntracedActionStartsATraceAndAMalformedOneIsReplaced() async throws {
        try await GatewayUnderTest.run(redis: .mock) { gateway in
            let probe = try await gateway.connect(user: 123)
            try await probe.send(#"{"action":"list_chargers"}"#)
            _ = try await probe.message(ofType: .response)
            try await probe.send(#"{"action":"list_chargers","traceparent":"00-00000000000000000000000000000000-00f067aa0ba902b7-01"}"#)
            _ = try await probe.message(ofType: .response, index: 1)
            let sent = gateway.backend.requests.compactMap { $0.traceparent.flatMap { TraceParent($0) } }
            #expect(sent.count == 2)
            #expect(Set(sent.map(\.traceID)).count == 2)
            // Tracing off: the endpoint says how to turn it on.
            let (status, body) = try await httpGetText("http://127.0.0.1:\(gateway.port)/debug/traces/\(sent[0].traceID)")
            #expect(status == 404)
            #expect(body.contains("--trace-records"))
            try await probe.close()
        }
    }
}
