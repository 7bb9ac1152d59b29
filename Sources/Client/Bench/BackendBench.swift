import ArgumentParser
import AsyncHTTPClient
import Dispatch
import Foundation
import Messages
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import ServiceRuntime

/// The backend's API under load, as many gateways would call it: `get_charger_status` reads
/// per second, and start+stop pairs per second with every user charging on a charger of their
/// own. Works against mock-backend or a real Laravel that has `/api/auth/register`.
struct BackendBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backend", abstract: "Load the backend: reads and start+stop pairs per second.")

    @Option(name: .customLong("backend-url"), help: "The backend (env BACKEND_URL, default http://127.0.0.1:8000).") var backendURL: String?
    @Option(name: .customLong("backend-pid"), help: "The backend's process id, to read its CPU time.") var backendPID: Int32?
    @Option(help: "Seconds of each measurement.") var duration: Double = 10
    @Option(help: "Reads in flight at once.") var concurrency: Int = 32
    @Option(help: "Users charging at once; user i uses the i-th charger of list_chargers.") var users: Int = 32
    @Option(name: .customLong("redis-url"), help: "The backend's Redis: each user then waits for its session_stopped push before the next start, as an app does, instead of retrying.") var redisURL: String?

    func run() async throws {
        let api = BackendClient(
            baseURL: EnvironmentFallback().string(backendURL, "BACKEND_URL", default: "http://127.0.0.1:8000"),
            connections: max(concurrency, users))
        defer { api.shutdown() }
        let accounts = try await api.registerUsers(users)
        let chargers = try await api.chargers(account: accounts[0])
        guard chargers.count >= users else {
            throw ValidationError("the backend has \(chargers.count) chargers; the pairs need one per user (\(users)): give it a larger fleet")
        }

        let reads = try await measure { deadline in
            try await withThrowingTaskGroup(of: [UInt64].self) { group in
                for worker in 0..<concurrency {
                    group.addTask {
                        let account = accounts[worker % accounts.count]
                        var samples: [UInt64] = []
                        var index = worker
                        while ContinuousClock.now < deadline {
                            let sent = DispatchTime.now().uptimeNanoseconds
                            let answer = try await api.action("get_charger_status", ["charger_id": .string(chargers[index % chargers.count].chargerID)], account: account)
                            guard answer["success"] == true else { throw ValidationError("get_charger_status failed: \(answer)") }
                            samples.append(DispatchTime.now().uptimeNanoseconds - sent)
                            index += concurrency
                        }
                        return samples
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        report("reads (get_charger_status, \(concurrency) in flight)", reads)

        let waits = NIOLockedValueBox(0)
        var watcher: SessionStopWatcher?
        if let redisURL { watcher = try await SessionStopWatcher.start(redisURL: redisURL) }
        let pairs = try await measure { [watcher] deadline in
            try await withThrowingTaskGroup(of: [UInt64].self) { group in
                for (account, charger) in zip(accounts, chargers) {
                    group.addTask {
                        try await chargeRepeatedly(account: account, charger: charger, until: deadline, api: api, waits: waits, watcher: watcher)
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        await watcher?.close()
        let how = watcher == nil ? "retrying starts" : "waiting for session_stopped"
        report("start+stop pairs (\(users) users, one charger each, \(how))", pairs, each: "pair",
               extra: "; \(waits.withLockedValue { $0 }) starts retried while the previous session was closing")
    }

    /// Starts and stops on the user's charger until the deadline, alternating connectors so that
    /// the driver unplugging from the last one does not hold up the next start.
    private func chargeRepeatedly(
        account: BackendClient.Account, charger: ChargerStatusResult, until deadline: ContinuousClock.Instant, api: BackendClient,
        waits: NIOLockedValueBox<Int>, watcher: SessionStopWatcher?
    ) async throws -> [UInt64] {
        var samples: [UInt64] = []
        var connector = 0
        while ContinuousClock.now < deadline {
            let connectorID = charger.connectors[connector % charger.connectors.count].connectorID
            let sent = DispatchTime.now().uptimeNanoseconds
            let started = try await api.action(
                "start_charging", ["charger_id": .string(charger.chargerID), "connector_id": .int(connectorID)], account: account)
            guard started["success"] == true else {
                // The previous session is still closing (the CMS reports the stop asynchronously).
                guard ["Session already active", "Charger not available"].contains(started["error"]?.stringValue) else {
                    throw ValidationError("start_charging failed: \(started)")
                }
                waits.withLockedValue { $0 += 1 }
                connector += 1
                try await Task.sleep(for: .milliseconds(10))
                continue
            }
            let stopped = try await api.action("stop_charging", ["charger_id": .string(charger.chargerID)], account: account)
            guard stopped["success"] == true else { throw ValidationError("stop_charging failed: \(stopped)") }
            samples.append(DispatchTime.now().uptimeNanoseconds - sent)
            connector += 1
            // The session is closed once the charger reports it: the push says so.
            await watcher?.waitForStop(user: account.userID)
        }
        return samples
    }

    private struct Measured {
        var samples: [UInt64]
        var seconds: Double
        var before: ProcessSample?
        var after: ProcessSample?
    }

    private func measure(_ body: (ContinuousClock.Instant) async throws -> [UInt64]) async throws -> Measured {
        let before = backendPID.flatMap(ProcessSample.of)
        let started = ContinuousClock.now
        let samples = try await body(started + .milliseconds(Int64(duration * 1000)))
        let seconds = (ContinuousClock.now - started).seconds
        return Measured(samples: samples, seconds: seconds, before: before, after: backendPID.flatMap(ProcessSample.of))
    }

    private func report(_ label: String, _ result: Measured, each operation: String = "request", extra: String = "") {
        let count = result.samples.count
        var line = String(format: "backend %@: %d in %.1f s = %.0f/s; %@", label, count, result.seconds, Double(count) / result.seconds,
                          LatencySummary(nanoseconds: result.samples).description)
        if let before = result.before, let after = result.after {
            line += String(format: "; backend CPU %.0f us each", (after.cpuSeconds - before.cpuSeconds) * 1e6 / Double(max(count, 1)))
            line += after.allocations(since: before, per: count, operation)
        }
        print(line + extra)
    }
}
