import Foundation

/// Memory and CPU time of a process, from /proc.
struct ProcessSample {
    var residentBytes: Int
    var cpuSeconds: Double

    static func of(pid: Int32) -> ProcessSample? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        let rssKB = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") }
            .flatMap { $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } } ?? 0
        // Fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th.
        guard let end = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let utime = Double(fields[11]) ?? 0, stime = Double(fields[12]) ?? 0
        return ProcessSample(residentBytes: rssKB * 1024, cpuSeconds: (utime + stime) / ticks)
    }
}

/// p50 / p99 / max of nanosecond samples, printed in milliseconds.
struct LatencySummary: CustomStringConvertible {
    var count: Int
    var p50: Double
    var p99: Double
    var max: Double

    init(nanoseconds samples: [UInt64]) {
        let sorted = samples.sorted()
        count = sorted.count
        func at(_ quantile: Double) -> Double {
            guard !sorted.isEmpty else { return .nan }
            return Double(sorted[Swift.min(sorted.count - 1, Int(Double(sorted.count) * quantile))]) / 1e6
        }
        p50 = at(0.50)
        p99 = at(0.99)
        max = sorted.last.map { Double($0) / 1e6 } ?? .nan
    }

    var description: String {
        String(format: "p50 %.3f ms, p99 %.3f ms, max %.3f ms (n=%d)", p50, p99, max, count)
    }
}
