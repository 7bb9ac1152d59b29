import AccessTokens
import Foundation
import LaravelValidation
import Messages

extension FuzzTarget {
    /// The JSON reader every hop uses: it agrees with Foundation's JSONSerialization on every
    /// input both accept, `members(of:)` accepts exactly what `parse` accepts, and a value
    /// written by JSONWriter reads back the same.
    static let jsonReader = FuzzTarget(name: "json-reader", summary: "JSON reader (against JSONSerialization)") { bytes in
        let parsed = try? JSONReader.parse(bytes)
        // (`try?` would flatten "not an object" into "refused".)
        let membersAccepted: Bool
        do {
            let members = try JSONReader.members(of: bytes)
            if let members, case .object(let object)? = parsed {
                require(Set(members.map(\.key)) == Set(object.keys), "members(of:) finds other keys")
            }
            membersAccepted = true
        } catch {
            membersAccepted = false
        }
        require((parsed != nil) == membersAccepted, "members(of:) and parse disagree")
        guard let parsed else { return }
        if let foundation = try? JSONSerialization.jsonObject(with: Data(bytes), options: .fragmentsAllowed) {
            require(agrees(parsed, foundation), "JSONSerialization reads it otherwise: \(parsed) vs \(foundation)")
        }
        let written = JSONWriter.bytes(parsed)
        require((try? JSONReader.parse(written)) == parsed, "a value does not survive JSONWriter")
    }

    /// Laravel's side and the CMS hop: the bodies mock-backend and charger-sim read, through
    /// the types they build from them.
    static let requestBodies = FuzzTarget(name: "request-bodies", summary: "mock-backend and charger-sim request bodies") { bytes in
        let parsed = try? JSONReader.parse(bytes)
        // mock-backend's Laravel validation takes every body (one that is not JSON has no
        // fields): a refusal always says why, and where the strict readers accept the body too,
        // both read the same request. (They differ on purpose elsewhere: Laravel's `required`
        // refuses a blank string, its `integer` takes "7"; a first fuzz run found the first.)
        let validated = BackendRequest.validated(RequestFields(json: parsed))
        let events = CMSEvent.validated(RequestFields(json: parsed))
        for failure in [validated.map { _ in () }, events.map { _ in () }] {
            if case .failure(let errors) = failure {
                require(!errors.isEmpty && !errors.message.isEmpty, "a refusal without a message")
            }
        }
        guard let json = parsed else { return }
        if let request = BackendRequest(json: json) {
            require(BackendRequest(json: request.json) == request, "a backend request does not survive its JSON")
            if let valid = try? validated.get() { require(valid == request, "the validator reads a backend request otherwise") }
        }
        if let event = CMSEvent(json: json) {
            if let valid = try? events.get() { require(valid == event, "the validator reads a CMS event otherwise") }
            let encoded = try? JSONCoding.encode(event)
            require(encoded.flatMap { try? JSONReader.parse($0) }.flatMap(CMSEvent.init(json:)) == event, "a CMS event does not survive its JSON")
        }
        if case .array(let items) = json { _ = items.compactMap(CMSEvent.init(json:)) }
    }

    /// The token reader: any string is refused without a crash; a token signed here verifies.
    static let jwt = FuzzTarget(name: "jwt", summary: "JWT reader (HS256)") { bytes in
        let signer = HS256(secret: "fuzz-secret")
        let text = String(decoding: bytes, as: UTF8.self)
        if let claims = try? signer.verifySignature(text) {
            // Only a token this secret signed can pass: it must say the same when signed again.
            require((try? signer.sign(claims)).flatMap { try? signer.verifySignature($0) } == claims, "a verified token's claims do not round-trip")
        }
        let claims = TokenClaims(sub: bytes.count + 1, exp: 2_000_000_000, jti: text.isEmpty ? nil : String(text.prefix(32)))
        require((try? signer.sign(claims)).flatMap { try? signer.verifySignature($0) } == claims, "a signed token does not verify")
    }

    /// Equal values, numbers compared as numbers (Foundation reads 1.0 as an integer, and big
    /// integers as doubles), objects by key (both keep the last of a repeated key).
    static func agrees(_ value: JSONValue, _ foundation: Any) -> Bool {
        switch value {
        case .null: return foundation is NSNull
        case .bool(let flag): return isBoolean(foundation) && (foundation as? NSNumber)?.boolValue == flag
        case .int(let number): return !isBoolean(foundation) && numbersAgree(Double(number), foundation)
        case .double(let number): return !isBoolean(foundation) && numbersAgree(number, foundation)
        case .string(let text): return (foundation as? String) == text
        case .array(let items):
            guard let other = foundation as? [Any], other.count == items.count else { return false }
            return zip(items, other).allSatisfy { agrees($0, $1) }
        case .object(let members):
            guard let other = foundation as? [String: Any], other.count == members.count else { return false }
            return members.allSatisfy { key, item in other[key].map { agrees(item, $0) } ?? false }
        }
    }

    /// Foundation's booleans are NSNumbers of Objective-C type `c`.
    static func isBoolean(_ value: Any) -> Bool {
        guard let number = value as? NSNumber else { return false }
        return String(cString: number.objCType) == "c"
    }

    static func numbersAgree(_ number: Double, _ foundation: Any) -> Bool {
        let other: Double
        if let decimal = foundation as? Decimal { other = NSDecimalNumber(decimal: decimal).doubleValue }
        else if let value = foundation as? NSNumber { other = value.doubleValue }
        else { return false }
        return number == other || abs(number - other) <= 1e-9 * max(1, abs(number))
    }
}
