import Foundation

/// Debian's nginx on loopback, proxying WebSockets to upstream servers with least-connections
/// balancing, as a team puts it in front of several gateways. Its config, pid and logs live in
/// a folder removed by `stop`.
public final class NginxProcess: Sendable {
    public let port: Int
    private let pid: Int32
    private let folder: URL

    public static let executable = "/usr/sbin/nginx"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    /// - Parameter upstreams: loopback ports of the servers behind it.
    public init(upstreams: [Int]) async throws {
        guard Self.isInstalled else { throw TestSupportError("nginx is not installed (apt-get install nginx); .ci/run installs it") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("nginx-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        self.folder = folder
        for _ in 0..<5 {
            let port = try await freePort()
            try Self.config(port: port, upstreams: upstreams, folder: folder)
                .write(to: folder.appendingPathComponent("nginx.conf"), atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.executable)
            process.arguments = ["-p", folder.path, "-c", folder.appendingPathComponent("nginx.conf").path]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = ContinuousClock.now + .seconds(10)
            while ContinuousClock.now < deadline, process.isRunning {
                // Its own pid file says the master is up and bound.
                if let text = try? String(contentsOf: folder.appendingPathComponent("nginx.pid"), encoding: .utf8),
                   Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) == process.processIdentifier {
                    self.port = port
                    self.pid = process.processIdentifier
                    return
                }
                try await Task.sleep(for: .milliseconds(20))
            }
            await killAndReap(process.processIdentifier)
        }
        try? FileManager.default.removeItem(at: folder)
        throw TestSupportError("nginx did not start; see its error.log")
    }

    static func config(port: Int, upstreams: [Int], folder: URL) -> String {
        let temp = folder.path
        return """
        \(geteuid() == 0 ? "user root;" : "")
        daemon off;
        worker_processes 1;
        worker_rlimit_nofile 20000;
        pid \(temp)/nginx.pid;
        error_log \(temp)/error.log warn;
        events { worker_connections 16000; }
        http {
            access_log off;
            client_body_temp_path \(temp)/body;
            proxy_temp_path \(temp)/proxy;
            fastcgi_temp_path \(temp)/fastcgi;
            uwsgi_temp_path \(temp)/uwsgi;
            scgi_temp_path \(temp)/scgi;
            map $http_upgrade $connection_upgrade { default upgrade; '' close; }
            upstream gateways {
                least_conn;
        \(upstreams.map { "        server 127.0.0.1:\($0) max_fails=1 fail_timeout=30s;" }.joined(separator: "\n"))
            }
            server {
                listen 127.0.0.1:\(port);
                location / {
                    proxy_pass http://gateways;
                    proxy_http_version 1.1;
                    proxy_set_header Upgrade $http_upgrade;
                    proxy_set_header Connection $connection_upgrade;
                    proxy_read_timeout 1h;
                    proxy_next_upstream error timeout;
                }
            }
        }
        """
    }

    public func stop() async {
        await killAndReap(pid)
        try? FileManager.default.removeItem(at: folder)
    }

    deinit { kill(pid, SIGKILL) }
}
