/// The users mock-backend seeds: the spec's demo user 123 and three more. Every password is
/// `password`, as in Laravel's default factory; each user's RFID tag is `RFID<id>`.
public struct SeededUser: Sendable, Equatable {
    public var id: Int
    public var name: String
    public var email: String

    public var idTag: String { Self.idTag(ofUser: id) }

    /// The RFID tag mock-backend gives a user, seeded or registered.
    public static func idTag(ofUser id: Int) -> String { "RFID\(id)" }

    public static let password = "password"

    public static let all: [SeededUser] = [
        SeededUser(id: 123, name: "Demo User", email: "demo@example.com"),
        SeededUser(id: 124, name: "Alice Driver", email: "alice@example.com"),
        SeededUser(id: 125, name: "Bob Driver", email: "bob@example.com"),
        SeededUser(id: 126, name: "Carol Driver", email: "carol@example.com"),
    ]
}
