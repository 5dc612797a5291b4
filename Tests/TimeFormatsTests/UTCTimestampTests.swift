import SyncCore
import XCTest
import TimeFormats

final class UTCTimestampTests: XCTestCase {
    func testForms() {
        let cases: [(String, String?)] = [
            ("2024-01-02 03:04:05", "2024-01-02T03:04:05Z"),
            ("2024-01-02T03:04:05.120000", "2024-01-02T03:04:05.12Z"),
            ("2024-01-02 03:04:05.000", "2024-01-02T03:04:05Z"),
            ("2024-01-02 03:04:05+00", "2024-01-02T03:04:05Z"),
            ("2024-01-02T03:04:05+05:30", "2024-01-01T21:34:05Z"),
            ("2024-01-01T23:30:00-0100", "2024-01-02T00:30:00Z"),
            ("2024-12-31T23:59:59.999999999-08:00", "2025-01-01T07:59:59.999999999Z"),
            ("2024-03-01T00:30:00+01:00", "2024-02-29T23:30:00Z"),
            ("2024-01-02 03:04:05 UTC", "2024-01-02T03:04:05Z"),
            ("2024-01-02T03:04Z", "2024-01-02T03:04:00Z"),
            ("2024-02-29", "2024-02-29T00:00:00Z"),
            ("2023-02-29", nil), ("2024-13-01", nil), ("2024-01-02 25:00:00", nil),
            ("infinity", nil), ("2024-01-02 03:04:05 BC", nil), ("20240102", nil), ("", nil),
        ]
        for (input, expected) in cases {
            XCTAssertEqual(UTCTimestamp.rfc3339(input), expected, input)
        }
    }

    func testEpoch() {
        XCTAssertEqual(UTCTimestamp.rfc3339(epochSeconds: 0), "1970-01-01T00:00:00Z")
        XCTAssertEqual(
            UTCTimestamp.rfc3339(epochSeconds: 1_700_000_000, nanoseconds: 120_000_000), "2023-11-14T22:13:20.12Z")
        XCTAssertEqual(UTCTimestamp.rfc3339(epochSeconds: -1), "1969-12-31T23:59:59Z")
    }

    func testCivilRoundTrip() {
        for days in stride(from: Int64(-800_000), to: 3_000_000, by: 997) {
            let (y, m, d) = UTCTimestamp.civil(fromDays: days)
            XCTAssertEqual(UTCTimestamp.days(year: y, month: m, day: d), days)
        }
    }

    func testBase64() {
        XCTAssertEqual(Base64.encode([]), "")
        XCTAssertEqual(Base64.encode(Array("f".utf8)), "Zg==")
        XCTAssertEqual(Base64.encode(Array("fo".utf8)), "Zm8=")
        XCTAssertEqual(Base64.encode(Array("foobar".utf8)), "Zm9vYmFy")
    }
}
