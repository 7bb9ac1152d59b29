import Foundation
import NIOConcurrencyHelpers

/// The stack's one log stream: each program's lines with its name in front, written whole so
/// that programs never interleave within a line. `client up` echoes it to stderr (coloured on
/// a terminal); a scenario run keeps it quiet and shows the recent lines of a failed step.
public final class StackLog: Sendable {
    public struct Line: Sendable {
        public var time: Date
        public var program: String
        public var text: String
    }

    private let echo: Bool
    private let keep: Int
    private let colour = isatty(STDERR_FILENO) == 1
    private let recent = NIOLockedValueBox<[Line]>([])
    private static let colours = ["mock-redis": "31", "mock-backend": "32", "charger-sim": "33", "gateway": "36", "client": "35"]

    /// - Parameters:
    ///   - echo: write every line to stderr.
    ///   - keep: how many of the last lines to keep for `lines(since:)`.
    public init(echo: Bool = true, keep: Int = 2_000) {
        self.echo = echo
        self.keep = keep
    }

    public func write(_ text: String, from program: String) {
        recent.withLockedValue { lines in
            lines.append(Line(time: Date(), program: program, text: text))
            if lines.count > keep + keep / 4 { lines.removeFirst(lines.count - keep) }
            guard echo else { return }
            let prefix = colour ? "\u{1B}[\(Self.colours[program] ?? "0")m[\(program)]\u{1B}[0m " : "[\(program)] "
            Self.writeAll(Array((prefix + text + "\n").utf8))
        }
    }

    /// The kept lines written at or after `start`.
    public func lines(since start: Date) -> [Line] {
        recent.withLockedValue { lines in lines.filter { $0.time >= start } }
    }

    private static func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(STDERR_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }
}
