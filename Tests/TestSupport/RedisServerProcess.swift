import Foundation
import NIOCore
import NIOPosix
import RESP

/// A real `redis-server` (Debian's package) on a free loopback port, for tests that must hold
/// against the real thing. redis-server cannot announce a port it was given as 0, so the port
/// is one the OS just handed out.
public final class RedisServerProcess: Sendable {
    public let port: Int
    private let process: Process

    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }
    public static let executable = "/usr/bin/redis-server"

    /// Starts on `port`, or on a free one. A free port can be taken by someone else before
    /// redis-server binds it (tests run in parallel): then it exits, and another port is tried.
    public init(port: Int? = nil, arguments: [String] = []) async throws {
        guard Self.isInstalled else {
            throw TestSupportError("redis-server is not installed (apt-get install redis-server); .ci/run installs it")
        }
        let password = arguments.firstIndex(of: "--requirepass").map { arguments[$0 + 1] }
        for _ in 0..<(port == nil ? 5 : 1) {
            let candidate: Int
            if let port { candidate = port } else { candidate = try await freePort() }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.executable)
            process.arguments = ["--port", String(candidate), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, process.isRunning {
                if await redisAnswers(port: candidate, pid: process.processIdentifier, password: password) {
                    self.port = candidate
                    self.process = process
                    return
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            await killAndReap(process.processIdentifier)
        }
        throw TestSupportError("redis-server did not start")
    }

    public var url: String { "redis://127.0.0.1:\(port)" }

    /// Kills the server (it keeps nothing on disk) and waits until it is gone.
    public func stop() async { await killAndReap(process.processIdentifier) }

    deinit { kill(process.processIdentifier, SIGKILL) }
}

/// Whether the server on `port` is the process `pid`: a port from `freePort` can be taken by
/// another test's server before this one binds it, and then that one would answer.
func redisAnswers(port: Int, pid: Int32, password: String? = nil) async -> Bool {
    guard let connection = try? await RESPConnection.connect(to: RedisURL(port: port, password: password)) else { return false }
    let info = try? await connection.send(["INFO", "server"]).string
    await connection.close()
    return info?.contains("process_id:\(pid)\r\n") == true
}

/// A port that was free a moment ago.
public func freePort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
}

public struct TestSupportError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// SIGKILL, then wait until the child is gone. SIGKILL because a child may inherit a signal
/// mask that blocks SIGTERM.
public func killAndReap(_ pid: Int32) async {
    guard kill(pid, SIGKILL) == 0 else { return }
    for _ in 0..<500 {
        // Foundation may reap the child first (ECHILD); either way it is gone.
        var status: Int32 = 0
        let reaped = waitpid(pid, &status, WNOHANG)
        if reaped == pid || (reaped == -1 && errno == ECHILD) { return }
        try? await Task.sleep(for: .milliseconds(10))
    }
}

/// A loopback port where nothing listens, held for as long as this value lives: a socket bound
/// to it but never listening, so connections are refused and no other test can take the port
/// (a port from `freePort` can be taken by a server of a test running alongside).
public final class ClosedPort: Sendable {
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSupportError("socket() failed: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                bind(descriptor, socketAddress, length) == 0 && getsockname(descriptor, socketAddress, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw TestSupportError("bind() failed: \(errno)")
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }
}
