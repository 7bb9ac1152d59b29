import ArgumentParser
import Dispatch
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import RESP
import ServiceRuntime

/// `client bench redis-fanout`: one subscriber connection per channel, one publisher. Prints the
/// server's memory per idle subscriber, delivered messages per second and publish-to-receive
/// latency; run it against mock-redis and redis-server to compare them.
struct RedisFanOutBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "redis-fanout", abstract: "Fan-out through a Redis server: subscribers, one publisher.")

    @Option(name: .customLong("redis-url"), help: "The server (env REDIS_URL, default redis://127.0.0.1:6379).") var redisURL: String?
    @Option(name: .customLong("server-pid"), help: "The server's process id, to read its memory.") var serverPID: Int32?
    @Option(help: "Subscriber connections, one channel each.") var subscribers: Int = 1_000
    @Option(help: "Messages to publish, as fast as the server takes them and again at --rate.") var messages: Int = 50_000
    @Option(help: "Messages per second for the latency run: unpaced, latency measures the queue.") var rate: Double = 10_000
    @Option(help: "Label for the printed lines.") var label: String = "redis"

    func validate() throws {
        guard subscribers >= 1 else { throw ValidationError("--subscribers must be 1 or more.") }
        try BenchPublisher.validate(messages: messages, rate: rate)
    }

    func run() async throws {
        let url = try RedisURL(EnvironmentFallback().string(redisURL, "REDIS_URL", default: "redis://127.0.0.1:6379"))
        let latencies = NIOLockedValueBox<[UInt64]>([])
        latencies.withLockedValue { $0.reserveCapacity(messages) }
        let confirmed = NIOLockedValueBox(0)
        let before = serverPID.flatMap(ProcessSample.of)
        var connections: [RESPConnection] = []
        for index in 0..<subscribers {
            let connection = try await RESPConnection.connect(to: url, onPush: { elements in
                guard let kind = elements.first?.string else { return }
                if kind == "subscribe" {
                    confirmed.withLockedValue { $0 += 1 }
                } else if kind == "message", elements.count == 3, case .bulkString(let payload?) = elements[2],
                          let sent = BenchSocketHandler.sentTime(in: payload.readableBytesView) {
                    let now = DispatchTime.now().uptimeNanoseconds
                    latencies.withLockedValue { $0.append(now > sent ? now - sent : 0) }
                }
            })
            connection.sendWithoutReply(["SUBSCRIBE", "bench:\(index)"])
            connections.append(connection)
        }
        try await waitFor("subscriptions", timeout: .seconds(60)) { confirmed.withLockedValue { $0 } >= subscribers }
        try await Task.sleep(for: .seconds(1))
        if let before, let after = serverPID.flatMap(ProcessSample.of) {
            print(String(format: "%@ idle subscribers: %d, server RSS %.1f MB -> %.1f MB: %.2f KB per subscriber", label, subscribers,
                         Double(before.residentBytes) / 1e6, Double(after.residentBytes) / 1e6,
                         Double(after.residentBytes - before.residentBytes) / Double(subscribers) / 1024))
        }

        let publisher = try await RESPConnection.connect(to: url)
        // Throughput: as fast as the server delivers. Then latency, at a rate both servers keep up with.
        for rate in [nil, self.rate] {
            latencies.withLockedValue { $0.removeAll(keepingCapacity: true) }
            let started = ContinuousClock.now
            let cpuBefore = serverPID.flatMap(ProcessSample.of)
            try await BenchPublisher.publish(count: messages, rate: rate, on: publisher) { [subscribers] index in "bench:\(index % subscribers)" }
            try await waitFor("deliveries", timeout: .seconds(120)) { latencies.withLockedValue { $0.count } >= messages }
            let seconds = (ContinuousClock.now - started).seconds
            let summary = LatencySummary(nanoseconds: latencies.withLockedValue { $0 })
            // The same work as the gateway's fan-out (a message read, written to one socket): its reference.
            var cpu = ""
            if let cpuBefore, let cpuAfter = serverPID.flatMap(ProcessSample.of) {
                cpu = String(format: "; server CPU %.2f us per delivered message", (cpuAfter.cpuSeconds - cpuBefore.cpuSeconds) * 1e6 / Double(summary.count))
                    + cpuAfter.allocations(since: cpuBefore, per: summary.count, "delivered message")
            }
            if let rate {
                print(String(format: "%@ fan-out to %d subscribers paced at %.0f msg/s: latency %@%@", label, subscribers, rate, summary.description, cpu))
            } else {
                print(String(format: "%@ fan-out to %d subscribers: %d delivered in %.2f s = %.0f msg/s%@", label, subscribers,
                             summary.count, seconds, Double(summary.count) / seconds, cpu))
            }
        }
        await publisher.close()
        for connection in connections { await connection.close() }
        if let before, serverPID != nil {
            // Memory should return to where it was once the clients are gone.
            try await Task.sleep(for: .seconds(2))
            if let after = serverPID.flatMap(ProcessSample.of) {
                print(String(format: "%@ after the subscribers left: server RSS %.1f MB (%.1f MB before they came)", label,
                             Double(after.residentBytes) / 1e6, Double(before.residentBytes) / 1e6))
            }
        }
    }
}
