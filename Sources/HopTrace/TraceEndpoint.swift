import Foundation

/// `GET /debug/traces/TRACE_ID[?digests=D1,D2]`: a program's records of a trace (and of the
/// pushes of the payloads with those digests), for the gateway's NIO handler and the stand-ins'
/// routers alike.
public enum TraceEndpoint {
    public static let pathPrefix = "/debug/traces/"

    /// The status and JSON body for `path` and `query`; nil when the path is not the endpoint's.
    public static func answer(path: String, query: String?, recorder: TraceRecorder?) -> (status: Int, body: String)? {
        guard path.hasPrefix(pathPrefix) else { return nil }
        let traceID = String(path.dropFirst(pathPrefix.count))
        guard let recorder else {
            return (404, #"{"message":"Tracing is off: start the program with --trace-records N"}"#)
        }
        guard traceID.count == 32, traceID.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else {
            return (422, #"{"message":"A trace id is 32 lowercase hex digits"}"#)
        }
        var digests = Set<String>()
        for item in (query ?? "").split(separator: "&") where item.hasPrefix("digests=") {
            digests.formUnion(item.dropFirst("digests=".count).split(separator: ",").map(String.init))
        }
        let report = recorder.report(traceID: traceID, digests: digests)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(report) else { return (500, #"{"message":"Could not encode the trace"}"#) }
        return (200, String(decoding: data, as: UTF8.self))
    }
}
