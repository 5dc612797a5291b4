import Foundation
import Synchronization
import XCTest

@testable import StreamIO

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

    /// Every digit in its place: high word first, the variant bits set on the low word.
    func testTheTextIsTheWordsInHex() {
        XCTAssertEqual(
            RandomUUID.format(hi: 0x0123_4567_89AB_CDEF, lo: 0xFEDC_BA98_7654_3210),
            "01234567-89ab-cdef-bedc-ba9876543210")
        XCTAssertEqual(RandomUUID.format(hi: 0, lo: 0), "00000000-0000-0000-8000-000000000000")
        XCTAssertEqual(RandomUUID.format(hi: ~0, lo: ~0), "ffffffff-ffff-ffff-bfff-ffffffffffff")
    }

    /// One maker's words rise strictly, thousands a millisecond, and past a previous word from
    /// a clock that was ahead: its 12 counting bits carry into the milliseconds over the version digit.
    func testTimeOrderedWordsRiseStrictly() {
        var previous: UInt64 = 0
        for _ in 0..<10_000 {
            let word = RandomUUID.timeOrderedWord(after: previous)
            XCTAssertGreaterThan(word, previous)
            XCTAssertEqual(word >> 12 & 0xF, 7)
            previous = word
        }
        let ahead: UInt64 = 0x7FFF_FFFF_FFFF << 16
        XCTAssertEqual(RandomUUID.timeOrderedWord(after: ahead | 0x7FFE), ahead | 0x7FFF)
        XCTAssertEqual(RandomUUID.timeOrderedWord(after: ahead | 0x7FFF), (ahead + (1 << 16)) | 0x7000)
        check(RandomUUID.format(hi: RandomUUID.timeOrderedWord(after: 0), lo: 0), version: "7")
    }

    func testTimeOrderedIdsSortByTime() {
        let first = RandomUUID.timeOrdered()
        usleep(3000)
        XCTAssertLessThan(first, RandomUUID.timeOrdered())
    }

    /// Ids come from a shared pool of random words refilled 4 KiB at a time: threads drawing
    /// at once, across many refills, never get the same one.
    func testIdsFromManyThreadsAcrossRefillsAreUnique() {
        let all = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            let mine = (0..<5000).map { $0.isMultiple(of: 2) ? RandomUUID.make() : RandomUUID.timeOrdered() }
            all.withLock { $0 += mine }
        }
        XCTAssertEqual(Set(all.withLock { $0 }).count, 20_000)
    }
}
