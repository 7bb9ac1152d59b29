@testable import AccessTokens
import Foundation
import Testing

@Suite("HS256 tokens")
struct HS256Tests {
    let signer = HS256(secret: "test-secret")
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func token(header: String = #"{"alg":"HS256","typ":"JWT"}"#, payload: String, secret: String = "test-secret") -> String {
        // Signs arbitrary JSON, as a third-party tool would.
        let encode = { (text: String) in
            Data(text.utf8).base64EncodedString().replacingOccurrences(of: "+", with: "-")
                .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        }
        let input = encode(header) + "." + encode(payload)
        let mac = HS256TestSupport.hmac(input, secret: secret)
        return input + "." + mac
    }

    @Test func roundTripsTheLaravelClaimSet() throws {
        let claims = TokenClaims.laravel(userID: 123, issuer: "test", ttl: 3600, now: now)
        let verified = try signer.verify(try signer.sign(claims), now: now)
        #expect(verified == claims)
        #expect(verified.prv == "23bd5c8949f600adb39e701c400872db7a5976f7")
    }

    @Test func subjectMayBeANumberOrANumericString() throws {
        #expect(try signer.verify(token(payload: #"{"sub":124,"exp":1800000100}"#), now: now).sub == 124)
        #expect(try signer.verify(token(payload: #"{"sub":"125","exp":1800000100}"#), now: now).sub == 125)
    }

    @Test func refusesTokensWithoutAUsableUser() {
        #expect(throws: TokenError.invalidClaims) { try signer.verify(token(payload: #"{"sub":"abc","exp":1800000100}"#), now: now) }
        #expect(throws: TokenError.invalidClaims) { try signer.verify(token(payload: #"{"sub":0,"exp":1800000100}"#), now: now) }
        #expect(throws: TokenError.invalidClaims) { try signer.verify(token(payload: #"{"exp":1800000100}"#), now: now) }
        #expect(throws: TokenError.invalidClaims) { try signer.verify(token(payload: #"{"sub":1}"#), now: now) }
    }

    @Test func refusesExpiredAndNotYetValid() {
        #expect(throws: TokenError.expired) { try signer.verify(token(payload: #"{"sub":1,"exp":1800000000}"#), now: now) }
        #expect(throws: TokenError.notYetValid) { try signer.verify(token(payload: #"{"sub":1,"exp":1800000100,"nbf":1800000050}"#), now: now) }
        #expect(throws: TokenError.issuedInFuture) { try signer.verify(token(payload: #"{"sub":1,"exp":1800000100,"iat":1800000050}"#), now: now) }
    }

    @Test func refusesOtherAlgorithmsAndBadSignatures() {
        #expect(throws: TokenError.unsupportedAlgorithm("none")) {
            try signer.verify(token(header: #"{"alg":"none"}"#, payload: #"{"sub":1,"exp":1800000100}"#), now: now)
        }
        #expect(throws: TokenError.unsupportedAlgorithm("HS512")) {
            try signer.verify(token(header: #"{"alg":"HS512"}"#, payload: #"{"sub":1,"exp":1800000100}"#), now: now)
        }
        #expect(throws: TokenError.badSignature) {
            try signer.verify(token(payload: #"{"sub":1,"exp":1800000100}"#, secret: "other"), now: now)
        }
        let unsigned = token(payload: #"{"sub":1,"exp":1800000100}"#).split(separator: ".").prefix(2).joined(separator: ".") + "."
        #expect(throws: TokenError.malformed) { try signer.verify(unsigned, now: now) }
    }

    @Test func refusesMalformedTokens() {
        for bad in ["", "a.b", "a.b.c.d", "!!!.e30.e30", String(repeating: "a", count: 9000)] {
            #expect(throws: TokenError.malformed) { try signer.verify(bad, now: now) }
        }
    }

    @Test func refusesAnotherUserModel() {
        #expect(throws: TokenError.wrongSubjectModel) {
            try signer.verify(token(payload: #"{"sub":1,"exp":1800000100,"prv":"0000"}"#), now: now)
        }
    }
}

/// The token parts' decoder, against Foundation's Base64 for every length and byte value.
@Suite("base64url")
struct Base64URLTests {
    @Test func decodesWhatFoundationDecodes() throws {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Base64URL.encode(Data(bytes))
            #expect(Base64URL.decode(Substring(text)) == (length == 0 ? nil : Data(bytes)))
        }
        let every = Data(0...255)
        #expect(Base64URL.decode(Substring(Base64URL.encode(every))) == every)
    }

    @Test(arguments: ["Q", "QUJDR", "QU=I", "QUJ+", "QUJ/", "QUJD=", "QU JD", "QUJDé"])
    func refusesWhatIsNotBase64URL(text: String) {
        #expect(Base64URL.decode(Substring(text)) == nil)
    }

    @Test func unusedBitsOfTheLastCharacterAreIgnoredAsFoundationDoes() {
        #expect(Base64URL.decode("QR") == Data([65]))
        #expect(Base64URL.decode("QUJ") == Data([65, 66]))
    }
}
