import Foundation

/// One trace across the programs of the stack, in time order: what `client trace` prints and
/// what a failed scenario step shows.
public struct TraceTimeline: Sendable, Equatable {
    public let traceID: String
    public let hops: [HopRecord]

    /// Merges the programs' reports; a record two reports share (a program asked twice) counts once.
    public init(traceID: String, reports: [TraceReport]) {
        self.traceID = traceID
        var seen = Set<String>()
        hops = reports.flatMap(\.hops)
            .filter { seen.insert("\($0.program) \($0.spanID) \($0.name) \($0.startedAtMs)").inserted }
            .sorted { $0.startedAtMs < $1.startedAtMs }
    }

    /// Where it went wrong: the first failed hop whose own calls did not fail (a failed action
    /// whose backend call failed is where it showed; the call is where it went wrong).
    public var firstFailure: HopRecord? { hops.first(where: isWhereItWentWrong) }

    private func isWhereItWentWrong(_ hop: HopRecord) -> Bool {
        hop.failed && !hops.contains { $0.failed && $0.parentSpanID == hop.spanID && $0.traceID == hop.traceID }
    }

    /// Digests of the payloads the backend published for this trace: the gateway's pushes of them are part of it.
    public var publishedDigests: Set<String> {
        Set(hops.filter { $0.traceID == traceID }.compactMap(\.digest))
    }

    /// One line per hop: offset from the first, program, what, status, duration, detail; a hop
    /// that went wrong marked ✗, one that failed because a call of its own did marked !.
    public func lines() -> [String] {
        guard let origin = hops.first?.startedAtMs else { return ["trace \(traceID): no program recorded it"] }
        let programWidth = hops.map(\.program.count).max() ?? 0
        let nameWidth = min(48, hops.map(\.name.count).max() ?? 0)
        return ["trace \(traceID)"] + hops.map { hop in
            let offset = String(format: "%+9.1f ms", hop.startedAtMs - origin)
            let program = hop.program.padding(toLength: programWidth, withPad: " ", startingAt: 0)
            let name = hop.name.count > nameWidth ? hop.name : hop.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            let mark = isWhereItWentWrong(hop) ? "✗" : hop.failed ? "!" : " "
            var line = "\(mark) \(offset)  \(program)  \(name)"
            if let status = hop.status { line += "  \(Self.statusText(hop, status))" }
            line += String(format: "  %.1f ms", hop.durationMs)
            if let detail = hop.detail { line += "  \(detail)" }
            return line
        }
    }

    private static func statusText(_ hop: HopRecord, _ status: Int) -> String {
        if hop.name.hasPrefix("PUBLISH") { return "\(status) receiver\(status == 1 ? "" : "s")" }
        if hop.name.hasPrefix("push") { return "\(status) socket\(status == 1 ? "" : "s")" }
        return "HTTP \(status)"
    }
}
