/// A parser under fuzzing: takes any bytes, and traps (a finding) when the parser crashes or
/// breaks one of the properties the target checks, such as decode(encode(x)) == x.
public struct FuzzTarget: Sendable {
    public let name: String
    public let summary: String
    public let run: @Sendable (UnsafeRawBufferPointer) -> Void

    public static let all: [FuzzTarget] = [
        .respCommand, .respValue, .inlineCommand, .webSocketFrame, .webSocketUpgrade, .httpResponse, .jsonReader, .jwt,
        .requestBodies,
    ]

    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}

/// A finding: the target's property does not hold for this input.
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    if !condition() { fatalError("fuzz property broken: \(message())") }
}

extension UnsafeRawBufferPointer {
    /// A split point that the fuzzer controls (the first byte), for "the same bytes in two
    /// reads give the same result".
    var splitPoint: Int { isEmpty ? 0 : Int(self[0]) % (count + 1) }
}
