import Foundation

/// The checked-in inputs of the fuzz targets: `Fuzz/corpus/TARGET` (seeds: the spec's examples
/// and real captures) and `Fuzz/regressions/TARGET` (every input that once broke a target).
public enum FuzzCorpus {
    /// The files under `url` (itself, when it is a file), in a stable order.
    public static func files(at url: URL) -> [URL] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return [] }
        guard isDirectory.boolValue else { return [url] }
        let entries = (try? FileManager.default.contentsOfDirectory(at: url, includingPropertiesForKeys: nil)) ?? []
        return entries.filter { !$0.lastPathComponent.hasPrefix(".") }.sorted { $0.path < $1.path }
    }
}
