import AsyncHTTPClient
import Foundation

/// Whether each program of the stack answers: what the page shows before anything else, so a
/// program that is down is a sentence on the page rather than a blank one.
struct StackProbe: Sendable {
    struct Answer: Encodable, Sendable {
        var name: String
        var url: String?
        var reachable: Bool
        /// The HTTP status of the probe, when there was an answer.
        var status: Int?
        var message: String
    }

    var gateway: String
    var backend: String?
    var sim: String?
    var timeout: Duration

    func probe() async -> [Answer] {
        async let gateway = probe("gateway", gateway, path: "/health")
        // AsyncHTTPClient retries a refused connection until the deadline: a short one keeps a
        // page with a program down quick to say so.
        // Laravel and mock-backend both answer an unauthenticated /api/auth/me with 401 JSON:
        // any HTTP answer means the backend is there.
        async let backend = probe("backend", backend, path: "/api/auth/me")
        async let sim = probe("charger-sim", sim, path: "/health")
        return await [gateway, backend, sim]
    }

    private func probe(_ name: String, _ base: String?, path: String) async -> Answer {
        guard var url = base else {
            return Answer(name: name, url: nil, reachable: false, message: "\(name) is not part of this stack")
        }
        while url.hasSuffix("/") { url.removeLast() }
        do {
            var request = HTTPClientRequest(url: url + path)
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await HTTPClient.shared.execute(request, timeout: .init(timeout))
            let body = try await response.body.collect(upTo: 1 << 16)
            let code = Int(response.status.code)
            var message = "answers (HTTP \(code))"
            if name == "gateway", let health = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
               let status = health["status"] as? String {
                message = "status \(status)" + ((health["redis"] as? String).map { ", redis \($0)" } ?? "")
            }
            return Answer(name: name, url: base, reachable: true, status: code, message: message)
        } catch {
            return Answer(name: name, url: base, reachable: false, message: "\(name) unreachable at \(base ?? url): \(Upstream.describe(error))")
        }
    }
}
