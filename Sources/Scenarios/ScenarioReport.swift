import Foundation
import HopTrace
import Messages

/// The run's results as people and CI read them: progress lines, a summary, JUnit XML (which
/// GitHub Actions and GitLab show as test results) and JSON.
public enum ScenarioReport {
    /// One line per finished step: mark, title, duration; a failure with its place and why.
    public static func progressLine(_ step: StepResult) -> String {
        let indent = String(repeating: "  ", count: step.depth + 1)
        let mark = switch step.status {
        case .passed: "ok  "
        case .failed: "FAIL"
        case .skipped: "skip"
        }
        var line = "\(indent)\(mark) \(step.title)"
        if step.status != .skipped { line += "  (\(milliseconds(step.seconds)))" }
        if step.status == .failed {
            line += "\n\(indent)     at \(step.location)\n\(indent)     \(step.message ?? "failed")"
            for detail in step.details { line += "\n\(indent)     \(detail)" }
            if let timeline = step.timeline {
                line += "\n\(indent)     timeline of the action (✗ where it went wrong, ! where that showed):"
                for hop in timeline.lines() { line += "\n\(indent)       \(hop)" }
            }
        }
        return line
    }

    public static func summary(_ results: [ScenarioResult], wallSeconds: Double) -> String {
        let passed = results.filter(\.passed).count
        let steps = results.reduce(0) { $0 + $1.steps.filter { $0.status != .skipped }.count }
        var lines = ["", "\(results.count) scenario\(results.count == 1 ? "" : "s"): \(passed) passed, \(results.count - passed) failed; \(steps) steps in \(String(format: "%.2f", wallSeconds)) s"]
        for result in results where !result.passed {
            if let error = result.error {
                lines.append("  FAIL \(result.name) (\(result.file)): \(error)")
            } else if let failure = result.failure {
                lines.append("  FAIL \(result.name): \(failure.title) at \(failure.location): \(failure.message ?? "")")
            }
        }
        return lines.joined(separator: "\n")
    }

    /// JUnit XML: one test suite per file, one test case per scenario, its steps as output.
    public static func junit(_ results: [ScenarioResult]) -> String {
        var xml = #"<?xml version="1.0" encoding="UTF-8"?>"# + "\n"
        let failures = results.filter { !$0.passed }.count
        let total = results.reduce(0) { $0 + $1.seconds }
        xml += #"<testsuites name="scenarios" tests="\#(results.count)" failures="\#(failures)" time="\#(seconds(total))">"# + "\n"
        for (file, group) in Dictionary(grouping: results, by: \.file).sorted(by: { $0.key < $1.key }) {
            let groupFailures = group.filter { !$0.passed }.count
            xml += #"  <testsuite name="\#(escape(file))" tests="\#(group.count)" failures="\#(groupFailures)" time="\#(seconds(group.reduce(0) { $0 + $1.seconds }))">"# + "\n"
            for result in group {
                xml += #"    <testcase name="\#(escape(result.name))" classname="\#(escape(className(file)))" file="\#(escape(file))" time="\#(seconds(result.seconds))">"# + "\n"
                if let error = result.error {
                    xml += #"      <error message="\#(escape(error))"/>"# + "\n"
                } else if let failure = result.failure {
                    let message = "\(failure.title): \(failure.message ?? "")"
                    xml += #"      <failure message="\#(escape(message))" type="step">"#
                    xml += escape(([progressLine(failure)]).joined(separator: "\n")) + "</failure>\n"
                }
                xml += "      <system-out>" + escape(result.steps.map(progressLine).joined(separator: "\n")) + "</system-out>\n"
                xml += "    </testcase>\n"
            }
            xml += "  </testsuite>\n"
        }
        xml += "</testsuites>\n"
        return xml
    }

    public static func json(_ results: [ScenarioResult]) -> String {
        let scenarios: [JSONValue] = results.map { result in
            var fields: [String: JSONValue] = [
                "name": .string(result.name), "file": .string(result.file), "passed": .bool(result.passed),
                "seconds": .double(rounded(result.seconds)),
                "steps": .array(result.steps.map { step in
                    var fields: [String: JSONValue] = [
                        "title": .string(step.title), "status": .string(step.status.rawValue), "seconds": .double(rounded(step.seconds)),
                        "location": .string(step.location.description), "depth": .int(step.depth),
                    ]
                    if let message = step.message { fields["message"] = .string(message) }
                    if !step.details.isEmpty { fields["details"] = .array(step.details.map(JSONValue.string)) }
                    if let timeline = step.timeline {
                        fields["timeline"] = [
                            "trace_id": .string(timeline.traceID),
                            "hops": (try? JSONValue(encoding: timeline.hops)) ?? .array([]),
                        ]
                    }
                    return .object(fields)
                }),
            ]
            if let error = result.error { fields["error"] = .string(error) }
            if !result.notes.isEmpty { fields["notes"] = .array(result.notes.map(JSONValue.string)) }
            return .object(fields)
        }
        let passed = results.filter(\.passed).count
        return JSONWriter.string(["passed": .int(passed), "failed": .int(results.count - passed), "scenarios": .array(scenarios)]) + "\n"
    }

    static func className(_ file: String) -> String {
        ((file as NSString).deletingPathExtension).replacingOccurrences(of: "/", with: ".")
    }

    static func milliseconds(_ seconds: Double) -> String {
        seconds < 10 ? String(format: "%.1f ms", seconds * 1000) : String(format: "%.1f s", seconds)
    }

    static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }

    static func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }

    /// XML text and attribute escaping; control characters XML 1.0 forbids are dropped.
    static func escape(_ text: String) -> String {
        var result = ""
        result.reserveCapacity(text.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\n", "\t", "\r": result.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
                // The stack log's colours would be noise in a CI report.
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
