// `fuzz TARGET [ARGS...]`: one binary for every fuzz target of FuzzTargets.
//
// Built with `-sanitize=fuzzer -D FUZZING` (scripts/fuzz) it is a libFuzzer binary and ARGS are
// libFuzzer's (corpus folders, -max_total_time=...). Built as usual it replays ARGS (files or
// folders of inputs) through the target, so a crash found once can be run again by hand.
import FuzzTargets
import Foundation

let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTarget.named(arguments[1]) else {
    FileHandle.standardError.write(Data("usage: fuzz TARGET [ARGS...]; targets:\n".utf8))
    for target in FuzzTarget.all { FileHandle.standardError.write(Data("  \(target.name): \(target.summary)\n".utf8)) }
    exit(2)
}

#if FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzer(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

/// libFuzzer's callback takes no context: the target chosen on the command line.
nonisolated(unsafe) var selected = target

// libFuzzer sees the program name and the arguments after the target's name.
var fuzzerArguments: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) } + [nil]
var argc = CInt(fuzzerArguments.count - 1)
let status = fuzzerArguments.withUnsafeMutableBufferPointer { buffer -> CInt in
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = buffer.baseAddress
    return runFuzzer(&argc, &argv) { data, size in
        selected.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
}
exit(status)
#else
var inputs = 0
for path in arguments.dropFirst(2) {
    for file in FuzzCorpus.files(at: URL(fileURLWithPath: path)) {
        let bytes = try Data(contentsOf: file)
        bytes.withUnsafeBytes { target.run($0) }
        inputs += 1
    }
}
print("\(target.name): \(inputs) inputs, no finding")
#endif
