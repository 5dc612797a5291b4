import XCTest
import TimeFormats

final class EpochDecimalTests: XCTestCase {
    func testEpochDecimalIsExactForEveryForm() {
        XCTAssertTrue(EpochDecimal.split("1704164645.123456000")! == (1_704_164_645, 123_456_000))
        XCTAssertTrue(EpochDecimal.split("1.704164645123456E9")! == (1_704_164_645, 123_456_000))
        XCTAssertTrue(EpochDecimal.split("1.7E9")! == (1_700_000_000, 0))
        XCTAssertTrue(EpochDecimal.split("-1.5")! == (-2, 500_000_000))
        XCTAssertTrue(EpochDecimal.split("1700000000123456", unitDigits: 6)! == (1_700_000_000, 123_456_000))
        XCTAssertTrue(EpochDecimal.split("-1", unitDigits: 6)! == (-1, 999_999_000))
        XCTAssertTrue(EpochDecimal.split("253402300799.999999999")! == (253_402_300_799, 999_999_999))
        XCTAssertNil(EpochDecimal.split("1e"))
        XCTAssertNil(EpochDecimal.split("abc"))
        XCTAssertNil(EpochDecimal.split("1" + String(repeating: "0", count: 19)))
    }

}
