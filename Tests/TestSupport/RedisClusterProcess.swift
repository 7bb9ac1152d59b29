import Foundation
import NIOCore
import RESP
import RedisCluster

/// A real Redis Cluster of redis-server processes on loopback (`--cluster-enabled yes`, made
/// with `redis-cli --cluster create`), for tests that must hold against the real thing:
/// failover, slot moves, sharded pub/sub across shards. Nothing is kept on disk but the nodes'
/// own config files, in a folder removed by `stop`.
public final class RedisClusterProcess: Sendable {
    public struct Node: Sendable, Hashable {
        public let port: Int
        let pid: Int32
        public var address: String { "127.0.0.1:\(port)" }
    }

    public let nodes: [Node]
    /// Every node's `requirepass` (and `masterauth`), when given.
    public let password: String?
    private let folder: URL

    public static var isInstalled: Bool {
        RedisServerProcess.isInstalled && FileManager.default.isExecutableFile(atPath: redisCLI)
    }
    public static let redisCLI = "/usr/bin/redis-cli"

    /// `primaries` shards with `replicas` replicas each; `nodeTimeout` (ms) is how long a
    /// primary may be unreachable before its replica takes over.
    public init(primaries: Int = 3, replicas: Int = 1, nodeTimeout: Int = 1000, password: String? = nil) async throws {
        guard Self.isInstalled else {
            throw TestSupportError("redis-server and redis-cli are not installed (apt-get install redis-server redis-tools); .ci/run installs them")
        }
        self.password = password
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("redis-cluster-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var nodes: [Node] = []
        do {
            for _ in 0..<(primaries * (1 + replicas)) {
                nodes.append(try await Self.startNode(in: folder, nodeTimeout: nodeTimeout, password: password))
            }
            self.nodes = nodes
            let create = try runCommand(
                Self.redisCLI, (password.map { ["-a", $0, "--no-auth-warning"] } ?? [])
                    + ["--cluster", "create"] + nodes.map(\.address) + ["--cluster-replicas", String(replicas), "--cluster-yes"])
            guard create.contains("All 16384 slots covered") else { throw TestSupportError("redis-cli --cluster create failed: \(create)") }
            try await waitUntilHealthy(primaries: primaries, replicas: replicas)
        } catch {
            for node in nodes { await killAndReap(node.pid) }
            try? FileManager.default.removeItem(at: folder)
            throw error
        }
    }

    /// A node on ports the OS just handed out (tried again if someone took one meanwhile). The
    /// cluster bus port is chosen too: Redis's default, the port + 10000, may be taken by a
    /// client socket of another test, or past 65535.
    private static func startNode(in folder: URL, nodeTimeout: Int, password: String?) async throws -> Node {
        var lastLog = ""
        for _ in 0..<10 {
            let port = try await freePort()
            var busPort = try await freePort()
            while busPort == port { busPort = try await freePort() }
            let directory = folder.appendingPathComponent(String(port))
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let logFile = directory.appendingPathComponent("redis.log")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: RedisServerProcess.executable)
            process.currentDirectoryURL = directory
            process.arguments = [
                "--port", String(port), "--cluster-port", String(busPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", String(nodeTimeout),
                "--dir", directory.path, "--logfile", logFile.path,
                // A replica syncs at once (Redis 7 waits 5 s by default); one never synced does not fail over.
                "--repl-diskless-sync-delay", "0",
            ] + (password.map { ["--requirepass", $0, "--masterauth", $0] } ?? [])
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, process.isRunning {
                if await redisAnswers(port: port, pid: process.processIdentifier, password: password) {
                    return Node(port: port, pid: process.processIdentifier)
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            await killAndReap(process.processIdentifier)
            lastLog = (try? String(contentsOf: logFile, encoding: .utf8))?.split(separator: "\n").suffix(3).joined(separator: "\n") ?? ""
        }
        throw TestSupportError("a cluster node did not start; its log ends: \(lastLog)")
    }

    /// Every node says `cluster_state:ok` and sees every primary with its replicas, and every
    /// replica has synced with its primary (else it could not take over).
    private func waitUntilHealthy(primaries: Int, replicas: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            var healthy = true
            for node in nodes where healthy {
                let info = try? await command(["CLUSTER", "INFO"], on: node).string
                let shards = try? await command(["CLUSTER", "SHARDS"], on: node).array
                let replication = try? await command(["INFO", "replication"], on: node).string
                healthy = info?.contains("cluster_state:ok") == true && shards?.count == primaries
                    && shards?.allSatisfy { Self.field("nodes", of: $0)?.array?.count == 1 + replicas } == true
                    && (replication?.contains("role:slave") == false || replication?.contains("master_link_status:up") == true)
            }
            if healthy { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw TestSupportError("the cluster did not become healthy")
    }

    public var seedList: String { nodes.prefix(3).map(\.address).joined(separator: ",") }

    public var seeds: [ClusterNodeAddress] { nodes.map { ClusterNodeAddress(host: "127.0.0.1", port: $0.port) } }

    /// One command on one node, on a connection of its own.
    public func command(_ arguments: [String], on node: Node) async throws -> RESPValue {
        let connection = try await RESPConnection.connect(to: RedisURL(port: node.port, password: password), connectTimeout: .seconds(2))
        defer { Task { await connection.close() } }
        return try await connection.send(arguments)
    }

    /// The node serving `slot` as a live node sees it now.
    public func primary(forSlot slot: Int, askingAnyOf candidates: [Node]? = nil) async throws -> Node? {
        for asked in candidates ?? nodes {
            guard let shards = try? await command(["CLUSTER", "SHARDS"], on: asked).array else { continue }
            for shard in shards {
                guard let bounds = Self.field("slots", of: shard)?.array?.compactMap(\.integer) else { continue }
                let owns = stride(from: 0, to: bounds.count - 1, by: 2).contains { bounds[$0] <= slot && slot <= bounds[$0 + 1] }
                guard owns, let members = Self.field("nodes", of: shard)?.array else { continue }
                for member in members where Self.field("role", of: member)?.string == "master"
                    && Self.field("health", of: member)?.string == "online" {
                    if let port = Self.field("port", of: member)?.integer { return nodes.first { $0.port == port } }
                }
            }
            return nil
        }
        return nil
    }

    /// SIGKILL: the node is gone at once, as a crashed machine.
    public func kill(_ node: Node) async { await killAndReap(node.pid) }

    public func nodeID(of node: Node) async throws -> String {
        guard let id = try await command(["CLUSTER", "MYID"], on: node).string else { throw TestSupportError("no node id") }
        return id
    }

    public func stop() async {
        for node in nodes { await killAndReap(node.pid) }
        try? FileManager.default.removeItem(at: folder)
    }

    deinit {
        for node in nodes { Foundation.kill(node.pid, SIGKILL) }
        try? FileManager.default.removeItem(at: folder)
    }

    static func field(_ name: String, of value: RESPValue) -> RESPValue? {
        let flat: [RESPValue]
        switch value {
        case .map(let elements): flat = elements
        case .array(let elements?): flat = elements
        default: return nil
        }
        return stride(from: 0, to: flat.count - 1, by: 2).first { flat[$0].string == name }.map { flat[$0 + 1] }
    }
}

extension SlotMap {
    /// Whether every channel has exactly one subscriber on the node that serves it: then a
    /// publish cannot miss it.
    public func allSubscribed(_ channels: [String], mode: PubSubMode, credentials: RedisURL = RedisURL()) async throws -> Bool {
        let counts = try await subscriberCounts(of: channels, mode: mode, credentials: credentials)
        return channels.allSatisfy { counts[$0] == 1 }
    }
}
