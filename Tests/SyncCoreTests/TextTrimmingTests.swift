import SyncCore
import XCTest

final class TextTrimmingTests: XCTestCase {
    func testSpacesAndTabsAtEitherEndOnly() {
        XCTAssertEqual(" \t a b \t".trimmingSpaces(), "a b")
        XCTAssertEqual("plain".trimmingSpaces(), "plain")
        XCTAssertEqual("  ".trimmingSpaces(), "")
        XCTAssertEqual("".trimmingSpaces(), "")
        XCTAssertEqual("\n x \n".trimmingSpaces(), "\n x \n", "only spaces and tabs")
        XCTAssertEqual(" é ".trimmingSpaces(), "é")
        XCTAssertEqual("x yz"[...].dropFirst().trimmingSpaces(), "yz", "a substring")
    }
}
