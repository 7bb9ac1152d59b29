import Foundation
import Messages

/// Prints what the gateway sends: plain JSON lines when the output is not a terminal, with a
/// coloured type label when it is.
struct MessagePrinter: Sendable {
    var colour = isatty(STDOUT_FILENO) == 1

    func print(_ text: String, label: String? = nil) {
        guard colour else {
            StandardOutput.write(text + "\n")
            return
        }
        let type = (try? JSONReader.parse(text))?["type"]?.stringValue ?? "?"
        let code = switch type {
        case "connected": "32"
        case "response": "36"
        case "session_update": "33"
        case "charger_update": "35"
        case "notification": "34"
        case "error": "31"
        default: "0"
        }
        StandardOutput.write("\u{1B}[\(code)m\(label ?? type)\u{1B}[0m \(text)\n")
    }
}

/// Unbuffered writes to standard output, one whole line at a time. (`fflush(NULL)` would also
/// wait for stdin's lock, which a thread blocked in `readLine` holds.)
enum StandardOutput {
    static func write(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}

/// Unbuffered writes to standard error (progress and diagnostics, kept off stdout's JSON).
enum StandardError {
    static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
