import Messages

/// What an OCPP 1.6 JSON schema requires of a payload, in the few shapes those schemas use
/// (every object is closed: `additionalProperties: false`). `OCPPSchemas` holds one per message.
public indirect enum OCPPSchema: Sendable {
    case object([Property])
    case array(of: OCPPSchema, minItems: Int = 0)
    /// A `CiStringNType` (at most N characters) or a free string.
    case string(maxLength: Int?)
    /// A string of an enumeration.
    case enumeration([String])
    /// A `dateTime`: RFC 3339, with `Z` or an offset.
    case dateTime
    case integer
    /// A JSON number; `multipleOf` as in the charging schedules' one-decimal limits.
    case decimal(multipleOf: Double? = nil)
    case boolean

    public struct Property: Sendable {
        public var name: String
        public var schema: OCPPSchema
        public var isRequired: Bool

        public static func required(_ name: String, _ schema: OCPPSchema) -> Property {
            Property(name: name, schema: schema, isRequired: true)
        }

        public static func optional(_ name: String, _ schema: OCPPSchema) -> Property {
            Property(name: name, schema: schema, isRequired: false)
        }
    }

    public static func string(_ maxLength: Int) -> OCPPSchema { .string(maxLength: maxLength) }

    public static func enumeration<Values: RawRepresentable & CaseIterable>(_: Values.Type) -> OCPPSchema where Values.RawValue == String {
        .enumeration(Values.allCases.map(\.rawValue))
    }

    /// The first way `value` breaks the schema, with the OCPP-J error code it earns; nil when it
    /// conforms. `path` names the field, as `meterValue[0].sampledValue[1].unit`.
    public func violation(of value: JSONValue, at path: String = "") -> OCPPError? {
        func fail(_ code: OCPPErrorCode, _ reason: String) -> OCPPError {
            OCPPError(code, path.isEmpty ? reason : "\(path): \(reason)")
        }
        switch self {
        case .object(let properties):
            guard case .object(let fields) = value else { return fail(.typeConstraintViolation, "must be an object") }
            for key in fields.keys.sorted() where !properties.contains(where: { $0.name == key }) {
                return fail(.formationViolation, "\(key) is not a field of this message")
            }
            for property in properties {
                let fieldPath = path.isEmpty ? property.name : "\(path).\(property.name)"
                guard let field = fields[property.name] else {
                    if property.isRequired { return OCPPError(.occurrenceConstraintViolation, "\(fieldPath) is required") }
                    continue
                }
                if let violation = property.schema.violation(of: field, at: fieldPath) { return violation }
            }
            return nil
        case .array(let items, let minItems):
            guard case .array(let elements) = value else { return fail(.typeConstraintViolation, "must be an array") }
            guard elements.count >= minItems else { return fail(.occurrenceConstraintViolation, "needs at least \(minItems) element(s)") }
            for (index, element) in elements.enumerated() {
                if let violation = items.violation(of: element, at: "\(path)[\(index)]") { return violation }
            }
            return nil
        case .string(let maxLength):
            guard case .string(let text) = value else { return fail(.typeConstraintViolation, "must be a string") }
            if let maxLength, text.unicodeScalars.count > maxLength {
                return fail(.typeConstraintViolation, "is \(text.unicodeScalars.count) characters, more than its \(maxLength)")
            }
            return nil
        case .enumeration(let allowed):
            guard case .string(let text) = value else { return fail(.typeConstraintViolation, "must be a string") }
            guard allowed.contains(text) else {
                return fail(.propertyConstraintViolation, "\"\(text)\" is not one of \(allowed.joined(separator: ", "))")
            }
            return nil
        case .dateTime:
            guard case .string(let text) = value else { return fail(.typeConstraintViolation, "must be a dateTime string") }
            guard Self.isDateTime(text) else { return fail(.propertyConstraintViolation, "\"\(text)\" is not an RFC 3339 dateTime") }
            return nil
        case .integer:
            guard case .int = value else { return fail(.typeConstraintViolation, "must be an integer") }
            return nil
        case .decimal(let multipleOf):
            guard let number = value.doubleValue else { return fail(.typeConstraintViolation, "must be a number") }
            if let multipleOf {
                let quotient = number / multipleOf
                if abs(quotient - quotient.rounded()) > 1e-6 { return fail(.propertyConstraintViolation, "must be a multiple of \(multipleOf)") }
            }
            return nil
        case .boolean:
            guard case .bool = value else { return fail(.typeConstraintViolation, "must be true or false") }
            return nil
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS`, an optional fraction, then `Z` or `±HH:MM` (RFC 3339's date-time).
    static func isDateTime(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        func number(_ start: Int, _ count: Int, in range: ClosedRange<Int>) -> Bool {
            guard start + count <= bytes.count else { return false }
            var value = 0
            for byte in bytes[start..<start + count] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return false }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return range.contains(value)
        }
        func byte(_ index: Int, is allowed: String) -> Bool { index < bytes.count && allowed.utf8.contains(bytes[index]) }
        guard number(0, 4, in: 0...9999), byte(4, is: "-"), number(5, 2, in: 1...12), byte(7, is: "-"), number(8, 2, in: 1...31),
              byte(10, is: "Tt"), number(11, 2, in: 0...23), byte(13, is: ":"), number(14, 2, in: 0...59), byte(16, is: ":"),
              number(17, 2, in: 0...60) else { return false }
        var index = 19
        if byte(index, is: ".") {
            index += 1
            let start = index
            while byte(index, is: "0123456789") { index += 1 }
            guard index > start else { return false }
        }
        if byte(index, is: "Zz") { return index + 1 == bytes.count }
        return byte(index, is: "+-") && number(index + 1, 2, in: 0...23) && byte(index + 3, is: ":")
            && number(index + 4, 2, in: 0...59) && index + 6 == bytes.count
    }
}
