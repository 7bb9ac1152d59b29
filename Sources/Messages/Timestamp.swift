import Foundation

/// ISO-8601 timestamps in UTC with second precision, as the spec writes them:
/// `2025-01-29T12:00:00Z`.
public enum Timestamp {
    public static func now() -> String { string(from: Date()) }

    /// Written digit by digit: every response carries one, and `String(format:)` cost the
    /// gateway about 10 us of CPU per action.
    public static func string(from date: Date) -> String {
        var seconds = time_t(date.timeIntervalSince1970.rounded(.down))
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let fields: [(value: Int32, digits: Int, then: UInt8?)] = [
            (parts.tm_year + 1900, 4, UInt8(ascii: "-")), (parts.tm_mon + 1, 2, UInt8(ascii: "-")),
            (parts.tm_mday, 2, UInt8(ascii: "T")), (parts.tm_hour, 2, UInt8(ascii: ":")),
            (parts.tm_min, 2, UInt8(ascii: ":")), (parts.tm_sec, 2, UInt8(ascii: "Z")),
        ]
        return String(unsafeUninitializedCapacity: 20) { text in
            var index = 0
            for field in fields {
                var value = field.value
                for position in (0..<field.digits).reversed() {
                    text[index + position] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
                index += field.digits
                if let separator = field.then {
                    text[index] = separator
                    index += 1
                }
            }
            return index
        }
    }

    /// Reads what this project and Laravel write: `Z` or an offset, with or without fractions.
    public static func date(from text: String) -> Date? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: false)) {
            return date
        }
        return try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}
