import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a short-lived command and returns what it printed (stdout and stderr together, trimmed).
///
/// Spawned with `posix_spawn` onto a pipe made close-on-exec, and read with a deadline: tests
/// run in parallel, and a pipe end inherited by another test's child (or a child that never
/// exits) must not hang the run.
public struct CommandFailure: Error, CustomStringConvertible {
    public let description: String
}

public func runCommand(_ path: String, _ arguments: [String], timeout: Double = 20) throws -> String {
    var fds: [Int32] = [0, 0]
    guard pipe(&fds) == 0 else { throw CommandFailure(description: "pipe failed: \(errno)") }
    let (readEnd, writeEnd) = (fds[0], fds[1])
    // (pipe2 is not in Swift's Glibc; the window until these calls is a few instructions.)
    _ = fcntl(readEnd, F_SETFD, FD_CLOEXEC)
    _ = fcntl(writeEnd, F_SETFD, FD_CLOEXEC)
    defer { close(readEnd) }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
    posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)

    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, path, &actions, nil, argv, environ)
    close(writeEnd)
    guard spawned == 0 else { throw CommandFailure(description: "cannot run \(path): \(spawned)") }

    var output: [UInt8] = []
    let deadline = Date().addingTimeInterval(timeout)
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let remaining = deadline.timeIntervalSinceNow
        guard remaining > 0 else {
            kill(pid, SIGKILL)
            _ = waitpid(pid, nil, 0)
            throw CommandFailure(description: "\(path) did not finish within \(timeout) s; printed: \(String(decoding: output, as: UTF8.self))")
        }
        var descriptor = pollfd(fd: readEnd, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, Int32(min(remaining, 1) * 1000)) >= 0 || errno == EINTR else { break }
        if descriptor.revents == 0 { continue }
        let count = read(readEnd, &buffer, buffer.count)
        if count > 0 {
            output += buffer[0..<count]
        } else if count == 0 || errno != EINTR {
            break
        }
    }
    _ = waitpid(pid, nil, 0)
    return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
}
