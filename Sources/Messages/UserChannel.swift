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
        var name = name
        return name.withUTF8 { parse(UnsafeRawBufferPointer($0)) }
    }

    /// The same, read from the bytes in place: the gateway does it for every message.
    public static func parse(_ name: UnsafeRawBufferPointer) -> (userID: Int, channel: UserChannel)? {
        let prefix = "user:".utf8
        guard name.count > prefix.count, name.starts(with: prefix) else { return nil }
        var index = prefix.count
        var userID = 0
        while index < name.count, index - prefix.count < 18, let digit = name[index].decimalDigit {
            userID = userID * 10 + digit
            index += 1
        }
        guard index > prefix.count, index < name.count, name[index] == UInt8(ascii: ":") else { return nil }
        let kind = UnsafeRawBufferPointer(rebasing: name[(index + 1)...])
        guard let channel = allCases.first(where: { $0.rawValue.utf8.elementsEqual(kind) }) else { return nil }
        return (userID, channel)
    }
}

extension UInt8 {
    fileprivate var decimalDigit: Int? {
        self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") ? Int(self - UInt8(ascii: "0")) : nil
    }
}
