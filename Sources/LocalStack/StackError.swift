/// Why the stack, or one of its programs, could not be started or reached.
public struct StackError: Error, CustomStringConvertible, Sendable {
    public let description: String

    public init(_ description: String) { self.description = description }
}
