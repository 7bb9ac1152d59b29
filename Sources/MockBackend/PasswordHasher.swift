import HummingbirdBcrypt
import NIOPosix

/// bcrypt password hashes as Laravel stores them (`$2y$`), so a users table copied from a
/// Laravel install verifies here and the other way round.
enum PasswordHasher {
    /// Laravel's default is 12; 10 keeps a login under 100 ms on a small machine.
    static let cost: UInt8 = 10

    static func hash(_ password: String) -> String {
        laravelPrefix(Bcrypt.hash(password, cost: cost))
    }

    /// `$2y$` (PHP), `$2a$` and `$2b$` are the same algorithm under different names.
    static func verify(_ password: String, hash: String) -> Bool {
        var normalized = hash
        if normalized.hasPrefix("$2y$") { normalized = "$2b$" + normalized.dropFirst(4) }
        return Bcrypt.verify(password, hash: normalized)
    }

    /// bcrypt is slow on purpose: run it on the thread pool, not on an event loop.
    static func verifyOffLoop(_ password: String, hash: String) async -> Bool {
        (try? await NIOThreadPool.singleton.runIfActive { verify(password, hash: hash) }) ?? false
    }

    private static func laravelPrefix(_ hash: String) -> String {
        hash.hasPrefix("$2b$") || hash.hasPrefix("$2a$") ? "$2y$" + hash.dropFirst(4) : hash
    }
}
