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
        // Any Int, as `names(forUser:)` writes it: an optional minus, then digits.
        var index = prefix.count
        let negative = name[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        let digitsStart = index
        var magnitude: UInt = 0
        while index < name.count, let digit = name[index].decimalDigit {
            let (times10, overflow) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times10.addingReportingOverflow(UInt(digit))
            guard !overflow, !carry else { return nil }
            magnitude = sum
            index += 1
        }
        guard index > digitsStart, index < name.count, name[index] == UInt8(ascii: ":") else { return nil }
        let userID: Int
        if negative {
            guard magnitude <= UInt(Int.max) + 1 else { return nil }
            userID = magnitude == UInt(Int.max) + 1 ? Int.min : -Int(magnitude)
        } else {
            guard magnitude <= UInt(Int.max) else { return nil }
            userID = Int(magnitude)
        }
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
