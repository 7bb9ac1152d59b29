import Foundation

/// Where `swift build` put the project's executables: next to the test bundle.
public enum BuiltProducts {
    public static let directory: URL = {
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while !url.path.hasSuffix(".xctest"), url.path != "/" { url.deleteLastPathComponent() }
        return url.deletingLastPathComponent()
    }()

    /// The executable's URL, or an error that says to build first.
    public static func executable(_ name: String) throws -> URL {
        let url = directory.appendingPathComponent(name)
        guard FileManager.default.isExecutableFile(atPath: url.path) else {
            throw TestSupportError("\(url.path) is missing: run `swift build` before `swift test`")
        }
        return url
    }
}
