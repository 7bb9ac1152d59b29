import Foundation

/// Memory and CPU time of a process, from /proc, and its heap allocations when it runs with
/// scripts/malloc-counter.c preloaded.
struct ProcessSample {
    var residentBytes: Int
    var cpuSeconds: Double
    var heap: HeapCounts?

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
        return ProcessSample(residentBytes: rssKB * 1024, cpuSeconds: (utime + stime) / ticks, heap: HeapCounts.of(pid: pid))
    }

    /// "; 12.3 allocations per message", or nothing when the process's allocations are not counted.
    func allocations(since before: ProcessSample, per operations: Int, _ operation: String) -> String {
        guard let now = heap, let then = before.heap, operations > 0 else { return "" }
        return String(format: "; %.1f allocations per %@", Double(now.allocations - then.allocations) / Double(operations), operation)
    }
}

/// The counters of scripts/malloc-counter.c, from its shared file.
struct HeapCounts {
    /// malloc, calloc, the aligned kinds and realloc: each a call into the allocator.
    var allocations: Int
    /// Blocks allocated and not yet freed.
    var live: Int

    static func of(pid: Int32) -> HeapCounts? {
        guard let data = FileManager.default.contents(atPath: "/dev/shm/malloc-counter.\(pid)"), data.count >= 32 else { return nil }
        let counters = (0..<4).map { index in
            data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)) }
        }
        return HeapCounts(allocations: Int(counters[0] + counters[1]), live: Int(counters[0]) - Int(counters[2]))
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
