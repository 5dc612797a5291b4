import ConversionAPI
import XCTest

/// The contract's email rules: what Conversion accepts, and how it matches contacts by email.
final class EmailRulesTests: XCTestCase {
    func valid(_ text: String) -> Bool { EmailSyntax.isValid(text) }

    func testWhatPassesAndWhatFails() {
        for good in ["a@b.co", "first.last@example.com", "a+tag@sub.example.org", "x@a-b.c-d.io", "\u{e9}@ex.fr"] {
            XCTAssertTrue(valid(good), good)
        }
        let local64 = String(repeating: "a", count: 64)
        let local65 = String(repeating: "a", count: 65)
        XCTAssertTrue(valid(local64 + "@ex.co"))
        XCTAssertFalse(valid(local65 + "@ex.co"), "local part over 64 bytes")
        XCTAssertFalse(valid(local64 + "@" + String(repeating: "d", count: 190) + ".com"), "over 254 bytes")
        for bad in [
            "", "@", "a@", "@b.co", "ab.co", "a@@b.co", "a@b@c.co", "a@b", "a@.b.co", "a@b..co", "a@b.co.",
            "a@-b.co", "a@b-.co", ".a@b.co", "a.@b.co", "a b@c.co", "a@b.c o", "a,b@c.co", "<a@b.co>", "a@b.co\u{7f}",
            "a\t@b.co", "a@bc",
        ] {
            XCTAssertFalse(valid(bad), bad)
        }
    }

    func testEmailKeysAreTrimmedAndLowerCased() {
        XCTAssertEqual(EmailKey.normalized(" Ann@Example.COM\t"), "ann@example.com")
        XCTAssertEqual(EmailKey.normalized("bo@x.co"), "bo@x.co")
        XCTAssertEqual(EmailKey.normalized("ÉLODIE@X.FR"), "élodie@x.fr")
    }
}
