import AsyncHTTPClient
import Foundation
import HopTrace
import Logging
import Messages
import NIOConcurrencyHelpers
import NIOCore
import ServiceRuntime

/// The backend's side of the CMS hop: asks charger-sim to start and stop transactions.
///
/// The URL is `CMS_URL` until the CMS announces another one (`cms_online`), which is how a
/// charger-sim started on a port chosen by the OS is found.
final class CMSClient: Sendable {
    private let httpClient: HTTPClient
    private let secret: String
    private let baseURL: NIOLockedValueBox<String>
    private let traces: TraceRecorder?
    private let logger: Logger

    init(httpClient: HTTPClient, baseURL: String, secret: String, traces: TraceRecorder? = nil, logger: Logger) {
        self.httpClient = httpClient
        self.traces = traces
        self.baseURL = NIOLockedValueBox(baseURL)
        self.secret = secret
        self.logger = logger
    }

    var url: String { baseURL.withLockedValue { $0 } }

    /// A session's failure reason when the remote start got no answer (the charger may still
    /// have started it).
    static let unreachable = "CMS unreachable"

    func announce(url: String) {
        baseURL.withLockedValue { $0 = url }
        logger.info("CMS announced itself", metadata: ["cms": "\(url)"])
    }

    func remoteStart(chargerID: String, connectorID: Int, idTag: String, transactionID: Int) async throws -> RemoteCommandResult {
        try await post(
            "/api/chargers/\(chargerID)/connectors/\(connectorID)/remote-start",
            body: RemoteStartRequest(idTag: idTag, transactionID: transactionID))
    }

    func remoteStop(chargerID: String, connectorID: Int, transactionID: Int) async throws -> RemoteCommandResult {
        try await post(
            "/api/chargers/\(chargerID)/connectors/\(connectorID)/remote-stop",
            body: ["transaction_id": transactionID])
    }

    private func post<Body: Encodable>(_ path: String, body: Body) async throws -> RemoteCommandResult {
        var base = url
        while base.hasSuffix("/") { base.removeLast() }
        var request = HTTPClientRequest.jsonPost(url: base + path, bearer: secret, body: ByteBuffer(bytes: try JSONCoding.encode(body)))
        // The request's trace goes on to the CMS, as a hop of its own.
        let trace = TraceParent.current
        let call = trace?.child()
        if let call { request.headers.add(name: "traceparent", value: call.description) }
        let started = Date()
        func record(status: Int?, detail: String?) {
            guard let traces, let trace, let call else { return }
            traces.record("CMS POST \(path)", span: call, parentSpanID: trace.spanID, started: started, status: status,
                          failed: detail != nil, detail: detail)
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await httpClient.execute(request, timeout: .seconds(5))
            bytes = try await response.body.collect(upTo: 1 << 20)
        } catch {
            record(status: nil, detail: "\(Self.unreachable): \(error)")
            throw error
        }
        guard let result = try? JSONCoding.decode(RemoteCommandResult.self, from: Data(bytes.readableBytesView)) else {
            record(status: Int(response.status.code), detail: "no command status in the answer")
            throw CMSError.invalidAnswer(status: Int(response.status.code))
        }
        record(status: Int(response.status.code), detail: result.isAccepted ? nil : "\(result.status): \(result.reason ?? "no reason given")")
        logger.info("CMS answered", metadata: ["path": "\(path)", "status": "\(result.status)"])
        return result
    }
}

enum CMSError: Error, CustomStringConvertible {
    case invalidAnswer(status: Int)
    var description: String {
        switch self {
        case .invalidAnswer(let status): "the CMS answered HTTP \(status) without a command status"
        }
    }
}
