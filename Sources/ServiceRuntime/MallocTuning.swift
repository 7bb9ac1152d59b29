#if canImport(Glibc)
import Glibc
#endif

/// glibc's `mallopt` settings for a process that frees and allocates a lot per request.
///
/// By default glibc gives the top of its heap back to the system as soon as 128 KB of it is
/// free, and takes it again on the next request: every request then pays page faults for
/// memory it had a moment ago. mock-backend spent a quarter of its CPU per start+stop pair
/// on that (SQLite's page cache and the JSON of each event); keeping a pad of freed memory
/// took it from 2.1 to 1.6 ms per pair.
public enum MallocTuning {
    /// Keeps up to `topPad` bytes beyond each heap's top and gives memory back only once
    /// `trimThreshold` bytes at the top are free. Pages never touched cost no RSS; the pad is
    /// address space.
    public static func keepFreedMemory(topPad: Int = 64 << 20, trimThreshold: Int = 128 << 20) {
        guard let mallopt = GlibcMalloc.mallopt else { return }
        // malloc.h: M_TRIM_THRESHOLD -1, M_TOP_PAD -2.
        _ = mallopt(-1, Int32(clamping: trimThreshold))
        _ = mallopt(-2, Int32(clamping: topPad))
    }
}

/// glibc's malloc controls, looked up at run time: Swift's Glibc module leaves out malloc.h.
/// nil elsewhere.
enum GlibcMalloc {
    static let mallopt = function("mallopt", as: (@convention(c) (Int32, Int32) -> Int32).self)
    static let trim = function("malloc_trim", as: (@convention(c) (Int) -> Int32).self)

    private static func function<Function>(_ name: String, as type: Function.Type) -> Function? {
        #if canImport(Glibc)
        guard let symbol = dlsym(nil, name) else { return nil }
        return unsafeBitCast(symbol, to: type)
        #else
        return nil
        #endif
    }
}
