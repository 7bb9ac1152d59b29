import HopTrace

/// What a run found, scenario by scenario and step by step.
public struct StepResult: Sendable {
    public enum Status: String, Sendable { case passed, failed, skipped }

    public var title: String
    public var location: SourceLocation
    public var status: Status
    /// Wall-clock seconds the step took.
    public var seconds: Double
    /// Why it failed.
    public var message: String?
    /// What helps to see why: what the phone received, the stack's state and log.
    public var details: [String] = []
    /// Nesting inside `parallel` and `repeat`.
    public var depth = 0
    /// A failed step's action across the hops (its own `send`, or the last one before it).
    public var timeline: TraceTimeline?
}

public struct ScenarioResult: Sendable {
    public var name: String
    public var file: String
    public var steps: [StepResult] = []
    public var seconds: Double = 0
    /// Notes that are not failures (a backend without a reset endpoint).
    public var notes: [String] = []
    /// Set when the scenario could not run at all (its reset failed).
    public var error: String?

    public var failure: StepResult? { steps.first { $0.status == .failed } }
    public var passed: Bool { error == nil && failure == nil }
}
