/// The three Redis channels of a user (spec section 3).
public enum UserChannel: String, Sendable, CaseIterable {
    case notifications
    case sessionUpdates = "session_updates"
    case chargerUpdates = "charger_updates"

    /// `user:{userId}:{kind}`.
    public func name(forUser userID: Int) -> String { "user:\(userID):\(rawValue)" }

    public static func names(forUser userID: Int) -> [String] {
        allCases.map { $0.name(forUser: userID) }
    }

    /// The user and kind of a channel name, nil for any other channel.
    public static func parse(_ name: String) -> (userID: Int, channel: UserChannel)? {
        let parts = name.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "user", let userID = Int(parts[1]),
              let channel = UserChannel(rawValue: String(parts[2])) else { return nil }
        return (userID, channel)
    }
}
