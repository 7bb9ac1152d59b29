import Foundation

/// Sends raw bytes and returns everything received until the server closes (or `readTimeout`
/// passes with nothing new), and whether the server closed.
///
/// `complete`: the answer is whole once it says so, and the read stops there; without it the
/// read goes on until `readTimeout` seconds pass with nothing new (or the peer hangs up). A
/// test that knows what it waits for should say so: on a loaded machine an answer can take
/// longer than a short silence.
public func rawExchange(port: Int, _ bytes: String, readTimeout: Double = 2,
                        until complete: (@Sendable (String) -> Bool)? = nil) async throws -> (String, Bool) {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else {
                continuation.resume(throwing: TestSupportError("connect failed"))
                return
            }
            var timeout = timeval(tv_sec: Int(readTimeout), tv_usec: Int((readTimeout - readTimeout.rounded(.down)) * 1_000_000))
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            _ = bytes.withCString { send(fd, $0, strlen($0), 0) }
            var received = [UInt8]()
            var buffer = [UInt8](repeating: 0, count: 4096)
            var closed = false
            while true {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count == 0 { closed = true; break }
                if count < 0 { break }
                received += buffer[0..<count]
                if let complete, complete(String(decoding: received, as: UTF8.self)) { break }
            }
            close(fd)
            continuation.resume(returning: (String(decoding: received, as: UTF8.self), closed))
        }
    }
}

/// A WebSocket upgrade request for `/?token=`, with RFC 6455's sample key, for tests that
/// speak to the gateway byte by byte. `headers`: more lines, each ending in CRLF.
public func webSocketUpgradeRequest(token: String, headers: String = "") -> String {
    "GET /?token=\(token) HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\(headers)\r\n"
}
