import Foundation

/// The texts of INFO and CLIENT LIST, with the fields clients parse.
enum ServerInfo {
    static let redisVersion = "7.2.4"

    static let defaultSections = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "cluster", "keyspace"]

    static func text(sections requested: [String], state: MockRedisState) -> String {
        var names = requested.map { $0.lowercased() }
        if names.isEmpty || names.contains("default") || names.contains("all") || names.contains("everything") {
            names = defaultSections
        }
        return names.compactMap { section(named: $0, state: state) }.joined(separator: "\r\n")
    }

    private static func section(named name: String, state: MockRedisState) -> String? {
        let fields: [(String, String)]
        switch name {
        case "server":
            let uptime = Int(Date().timeIntervalSince(state.stats.startedAt))
            fields = [
                ("redis_version", redisVersion), ("redis_git_sha1", "00000000"), ("redis_git_dirty", "0"),
                ("redis_build_id", "0"), ("redis_mode", "standalone"), ("os", "Linux"), ("arch_bits", "64"),
                ("multiplexing_api", "epoll"), ("process_id", String(ProcessInfo.processInfo.processIdentifier)),
                ("run_id", runID), ("tcp_port", String(state.configuration.port)),
                ("uptime_in_seconds", String(uptime)), ("uptime_in_days", String(uptime / 86400)),
                ("executable", "mock-redis"), ("config_file", ""),
            ]
        case "clients":
            fields = [
                ("connected_clients", String(state.clients.connectedCount)), ("maxclients", String(state.configuration.maxClients)),
                ("blocked_clients", "0"), ("pubsub_clients", String(state.clients.snapshots.count { $0.channels + $0.patterns + $0.shardChannels > 0 })),
            ]
        case "memory":
            let resident = residentBytes()
            fields = [
                ("used_memory", String(resident)), ("used_memory_human", String(format: "%.2fM", Double(resident) / 1_048_576)),
                ("used_memory_rss", String(resident)), ("maxmemory", "0"), ("maxmemory_human", "0B"),
                ("maxmemory_policy", "noeviction"), ("mem_allocator", "libc"),
            ]
        case "persistence":
            fields = [("loading", "0"), ("rdb_changes_since_last_save", "0"), ("aof_enabled", "0")]
        case "stats":
            fields = [
                ("total_connections_received", String(state.clients.totalReceived)),
                ("total_commands_processed", String(state.stats.commandsProcessed.load(ordering: .relaxed))),
                ("rejected_connections", String(state.stats.rejectedConnections.load(ordering: .relaxed))),
                ("keyspace_hits", String(state.stats.keyspaceHits.load(ordering: .relaxed))),
                ("keyspace_misses", String(state.stats.keyspaceMisses.load(ordering: .relaxed))),
                ("pubsub_channels", String(state.broker.activeChannels(matching: nil).count)),
                ("pubsub_patterns", String(state.broker.patternCount)),
                ("pubsubshard_channels", String(state.broker.activeChannels(matching: nil, kind: .shardChannel).count)),
            ]
        case "replication":
            fields = [("role", "master"), ("connected_slaves", "0")]
        case "cpu":
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            let seconds = { (time: timeval) in String(format: "%.6f", Double(time.tv_sec) + Double(time.tv_usec) / 1e6) }
            fields = [("used_cpu_sys", seconds(usage.ru_stime)), ("used_cpu_user", seconds(usage.ru_utime))]
        case "cluster":
            fields = [("cluster_enabled", state.cluster == nil ? "0" : "1")]
        case "keyspace":
            return (["# Keyspace"] + state.keys.keyspaceLines()).map { $0 + "\r\n" }.joined()
        default:
            return nil
        }
        let title = "# " + name.prefix(1).uppercased() + name.dropFirst()
        return ([title] + fields.map { "\($0.0):\($0.1)" }).map { $0 + "\r\n" }.joined()
    }

    /// One CLIENT LIST line, fields in Redis 7.2's order.
    static func clientLine(_ client: ClientSnapshot) -> String {
        let now = Date()
        let subscribed = client.channels + client.patterns + client.shardChannels > 0
        return "id=\(client.id) addr=\(client.address) laddr=\(client.localAddress) fd=-1 name=\(client.name) "
            + "age=\(Int(now.timeIntervalSince(client.createdAt))) idle=\(Int(now.timeIntervalSince(client.lastActive))) "
            + "flags=\(subscribed ? "P" : "N") db=\(client.database) sub=\(client.channels) psub=\(client.patterns) "
            + "ssub=\(client.shardChannels) multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 obl=0 oll=0 "
            + "omem=0 tot-mem=0 events=r cmd=\(client.lastCommand) user=default redir=-1 resp=\(client.protocolVersion) "
            + "lib-name= lib-ver=\n"
    }

    private static let runID = (0..<40).map { _ in String("0123456789abcdef".randomElement()!) }.joined()

    private static func residentBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = statm.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * 4096 : 0
    }
}
