import RedisClient
import XCTest

@testable import Loading

/// The rule that places each send (never more than the limit in any window) and the shapes a
/// rate takes, without clocks: times are given.
final class SendWindowTests: XCTestCase {
    private let second: Int64 = 1_000_000_000

    /// Every window of `length` starting at a send holds at most `limit` sends.
    private func assertNoWindowHoldsMore(
        _ slots: [Int64], limit: Int, length: Int64, file: StaticString = #filePath, line: UInt = #line
    ) {
        for (i, start) in slots.enumerated() {
            let inside = slots[i...].prefix { $0 < start + length }.count
            XCTAssertLessThanOrEqual(inside, limit, "from \(start)", file: file, line: line)
        }
    }

    func testABurstUpToTheLimitGoesAtOnceAndTheRestWaitsForTheWindow() {
        var sends = SendWindow()
        let slots = (0..<25).map { _ in sends.reserve(now: 0, limit: 10, window: second) }
        XCTAssertEqual(
            slots,
            Array(repeating: 0, count: 10) + Array(repeating: second, count: 10)
                + Array(repeating: 2 * second, count: 5))
        assertNoWindowHoldsMore(slots, limit: 10, length: second)
    }

    func testUnevenArrivalsNeverPutMoreThanTheLimitInAnyWindow() {
        var sends = SendWindow()
        var now: Int64 = 0
        var slots: [Int64] = []
        var state: UInt64 = 7
        for _ in 0..<500 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            now += Int64(state >> 40) % (second / 4)
            slots.append(sends.reserve(now: now, limit: 10, window: second))
        }
        XCTAssertEqual(slots, slots.sorted(), "times only grow")
        assertNoWindowHoldsMore(slots, limit: 10, length: second)
    }

    /// Processes with different limits for one key: each window holds at most the larger.
    func testMixedLimitsKeepTheLargerOne() {
        var sends = SendWindow()
        var slots: [Int64] = []
        for i in 0..<200 {
            slots.append(sends.reserve(now: Int64(i) * second / 50, limit: i % 3 == 0 ? 5 : 10, window: second))
        }
        assertNoWindowHoldsMore(slots, limit: 10, length: second)
    }

    func testAPauseHoldsEverySendBack() {
        var sends = SendWindow()
        _ = sends.reserve(now: 0, limit: 10, window: second)
        sends.pause(until: 3 * second)
        XCTAssertEqual(sends.reserve(now: second, limit: 10, window: second), 3 * second)
        XCTAssertEqual(sends.reserve(now: 4 * second, limit: 10, window: second), 4 * second)
    }

    func testTheSharedFileFormatRoundTripsAndRefusesDamage() {
        var sends = SendWindow()
        for i in 0..<70 { _ = sends.reserve(now: Int64(i), limit: 10, window: second) }
        XCTAssertEqual(sends.slots.count, SendWindow.capacity)
        XCTAssertEqual(SendWindow(words: sends.words), sends)
        XCTAssertNil(SendWindow(words: [3, 0, 5, 4, 6]), "times out of order")
        XCTAssertNil(SendWindow(words: [9, 0, 1]), "shorter than its count")
        XCTAssertNil(SendWindow(words: [65] + Array(repeating: 0, count: 66)), "more than the capacity")
    }

    func testTimesFromAnotherClockAreForgotten() {
        var sends = SendWindow(slots: [500 * second], notBefore: 0)
        sends.forgetStale(now: second, horizon: 120 * second)
        XCTAssertEqual(sends, SendWindow())
        XCTAssertEqual(sends.reserve(now: second, limit: 10, window: second), second)
    }

    private func shape(_ rate: Double) -> [Int64]? { RateShape(rate: rate).map { [Int64($0.limit), $0.window] } }

    func testARateBecomesALimitPerWindowWithTheSameAverage() {
        XCTAssertEqual(shape(10), [10, second])
        XCTAssertEqual(shape(2.5), [2, 800_000_000])
        XCTAssertEqual(shape(0.5), [1, 2 * second])
        XCTAssertEqual(shape(100), [64, 640_000_000])
        XCTAssertNil(RateShape(rate: 0))
    }

    func testABudgetURLNamesAServerAndNeverHoldsAPassword() throws {
        let plain = try RedisEndpoint(url: "redis://cache.internal:6380/2")
        XCTAssertEqual([plain.host, String(plain.port), String(plain.database)], ["cache.internal", "6380", "2"])
        XCTAssertEqual(try RedisEndpoint(url: "redis://127.0.0.1").port, 6379)
        XCTAssertEqual(try RedisEndpoint(url: "redis://[::1]:7000").host, "::1")
        XCTAssertEqual(try RedisEndpoint(url: "redis://sync@h").user, "sync")
        for bad in ["redis://u:hunter2@h", "redis://:hunter2@h:1/0"] {
            XCTAssertThrowsError(try RedisEndpoint(url: bad)) { error in
                let message = (error as? RedisError)?.message ?? ""
                XCTAssertTrue(message.contains("REDISCLI_AUTH"), message)
                XCTAssertFalse(message.contains("hunter2"), message)
            }
        }
        for bad in ["rediss://h", "http://h", "redis://h:99999", "redis://", "redis://h/x"] {
            XCTAssertThrowsError(try RedisEndpoint(url: bad), bad)
        }
    }
}
