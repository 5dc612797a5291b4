import SyncCore
import XCTest

/// Both kinds of id have the RFC text form, their version digit and the variant bits; version-7
/// ids made later sort later.
final class RandomUUIDTests: XCTestCase {
    private func check(_ id: String, version: Character, file: StaticString = #filePath, line: UInt = #line) {
        let chars = Array(id)
        XCTAssertEqual(chars.count, 36, id, file: file, line: line)
        XCTAssertEqual([8, 13, 18, 23].map { chars[$0] }, ["-", "-", "-", "-"], id, file: file, line: line)
        XCTAssertTrue(chars.allSatisfy { $0 == "-" || $0.isHexDigit && !$0.isUppercase }, id, file: file, line: line)
        XCTAssertEqual(chars[14], version, id, file: file, line: line)
        XCTAssertTrue("89ab".contains(chars[19]), id, file: file, line: line)
    }

    func testVersionsAndVariant() {
        for _ in 0..<200 {
            check(RandomUUID.make(), version: "4")
            check(RandomUUID.timeOrdered(), version: "7")
        }
        XCTAssertEqual(Set((0..<1000).map { _ in RandomUUID.make() }).count, 1000)
    }

    func testTimeOrderedIdsSortByTime() {
        let first = RandomUUID.timeOrdered()
        usleep(3000)
        XCTAssertLessThan(first, RandomUUID.timeOrdered())
    }
}
