import AsyncHTTPClient
import Foundation
import HopTrace

/// Puts a trace's timeline together from the programs of a running stack: each one's
/// `GET /debug/traces/ID`, then the gateway's pushes of what the backend published for it.
public struct TraceCollector: Sendable {
    /// HTTP base URLs of the programs to ask (the gateway's HTTP side, mock-backend, charger-sim).
    public var gateway: String?
    public var backend: String?
    public var cms: String?

    public init(gateway: String?, backend: String?, cms: String?) {
        self.gateway = gateway
        self.backend = backend
        self.cms = cms
    }

    public init(_ urls: StackURLs) {
        self.init(gateway: urls.gatewayHTTP, backend: urls.backend, cms: urls.cms)
    }

    /// The timeline and, for each program that could not say, why.
    public func timeline(of traceID: String) async -> (timeline: TraceTimeline, unavailable: [String]) {
        var reports: [TraceReport] = []
        var unavailable: [String] = []
        await withTaskGroup(of: Result<TraceReport, TraceFetchError>.self) { group in
            for base in [gateway, backend, cms].compactMap({ $0 }) {
                group.addTask { await Self.fetch(base, traceID: traceID, digests: []) }
            }
            for await result in group {
                switch result {
                case .success(let report): reports.append(report)
                case .failure(let error): unavailable.append(error.description)
                }
            }
        }
        // Pushes carry no trace: the gateway finds them by the digests of the traced publishes.
        let digests = TraceTimeline(traceID: traceID, reports: reports).publishedDigests
        if let gateway, !digests.isEmpty, case .success(let pushes) = await Self.fetch(gateway, traceID: traceID, digests: digests) {
            reports.append(pushes)
        }
        return (TraceTimeline(traceID: traceID, reports: reports), unavailable)
    }

    struct TraceFetchError: Error, CustomStringConvertible {
        var description: String
    }

    static func fetch(_ base: String, traceID: String, digests: Set<String>) async -> Result<TraceReport, TraceFetchError> {
        var url = base
        while url.hasSuffix("/") { url.removeLast() }
        url += TraceEndpoint.pathPrefix + traceID
        if !digests.isEmpty { url += "?digests=" + digests.sorted().joined(separator: ",") }
        do {
            let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(2))
            let body = try await response.body.collect(upTo: 8 << 20)
            guard response.status == .ok else {
                let message = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])?["message"] as? String
                return .failure(TraceFetchError(description: "\(base): HTTP \(response.status.code) \(message ?? "")"))
            }
            return .success(try JSONDecoder().decode(TraceReport.self, from: Data(body.readableBytesView)))
        } catch {
            return .failure(TraceFetchError(description: "\(base): \(error)"))
        }
    }
}
