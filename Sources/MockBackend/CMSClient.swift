import AsyncHTTPClient
import Foundation
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
    private let logger: Logger

    init(httpClient: HTTPClient, baseURL: String, secret: String, logger: Logger) {
        self.httpClient = httpClient
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
        let request = HTTPClientRequest.jsonPost(url: base + path, bearer: secret, body: ByteBuffer(bytes: try JSONCoding.encode(body)))
        let response = try await httpClient.execute(request, timeout: .seconds(5))
        let bytes = try await response.body.collect(upTo: 1 << 20)
        guard let result = try? JSONCoding.decode(RemoteCommandResult.self, from: Data(bytes.readableBytesView)) else {
            throw CMSError.invalidAnswer(status: Int(response.status.code))
        }
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
