import Foundation

/// The one place that decides how this project writes and reads JSON.
public enum JSONCoding {
    /// Compact output, `/` not escaped (as the spec's examples show), keys sorted so that the
    /// same message always has the same bytes.
    public static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }

    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        try encoder().encode(value)
    }

    public static func encodeString<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try JSONDecoder().decode(type, from: data)
    }

    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}

extension JSONValue {
    /// Re-types a JSON value: `JSONValue(someCodable)` and `value.decode(as: T.self)`.
    public init<T: Encodable>(encoding value: T) throws {
        self = try JSONValueEncoder.encode(value)
    }

    public func decode<T: Decodable>(as type: T.Type) throws -> T {
        try JSONCoding.decode(type, from: try JSONCoding.encode(self))
    }
}
