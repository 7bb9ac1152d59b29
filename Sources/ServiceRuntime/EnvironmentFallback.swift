import ArgumentParser
import Foundation

/// Flags first, then the environment variable of the same meaning, then the default
/// (DESIGN.md, "Contracts").
public struct EnvironmentFallback: Sendable {
    public var environment: [String: String]

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    public func string(_ flag: String?, _ variable: String, default fallback: String) -> String {
        flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 } ?? fallback
    }

    public func optionalString(_ flag: String?, _ variable: String) -> String? {
        flag ?? environment[variable].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A URL of a program a command may do without: `none` (as flag or variable) means there is none.
    public func urlOrNone(_ flag: String?, _ variable: String, default fallback: String) -> String? {
        let url = string(flag, variable, default: fallback)
        return url == "none" ? nil : url
    }

    public func int(_ flag: Int?, _ variable: String, default fallback: Int) throws -> Int {
        try optionalInt(flag, variable) ?? fallback
    }

    public func optionalInt(_ flag: Int?, _ variable: String) throws -> Int? {
        if let flag { return flag }
        guard let text = environment[variable], !text.isEmpty else { return nil }
        guard let value = Int(text) else { throw ValidationError("\(variable) must be an integer, got '\(text)'") }
        return value
    }

    public func double(_ flag: Double?, _ variable: String, default fallback: Double) throws -> Double {
        if let flag { return flag }
        guard let text = environment[variable], !text.isEmpty else { return fallback }
        guard let value = Double(text), value.isFinite else { throw ValidationError("\(variable) must be a number, got '\(text)'") }
        return value
    }

    public func required(_ flag: String?, _ variable: String, option: String) throws -> String {
        guard let value = optionalString(flag, variable) else {
            throw ValidationError("\(option) or \(variable) is required")
        }
        return value
    }
}
