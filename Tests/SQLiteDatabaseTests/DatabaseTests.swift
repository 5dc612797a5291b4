import Foundation
import SQLiteDatabase
import XCTest

final class DatabaseTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func open() throws -> Database { try Database(path: folder.appendingPathComponent("t.db").path) }

    func testACachedStatementIsPreparedOnceAndResetWhenAskedForAgain() throws {
        let db = try open()
        try db.execute("CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3)")
        let first = try db.cached("SELECT n FROM t ORDER BY n")
        XCTAssertTrue(try first.step())
        XCTAssertEqual(first.int(0), 1)
        // Asked for again half-read: the same statement, from the start.
        let again = try db.cached("SELECT n FROM t ORDER BY n")
        XCTAssertTrue(first === again)
        XCTAssertTrue(try again.step())
        XCTAssertEqual(again.int(0), 1)
    }

    func testATransactionIsAllOrNothing() throws {
        struct Stop: Error {}
        let db = try open()
        try db.execute("CREATE TABLE t (n INTEGER)")
        XCTAssertThrowsError(
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (1)")
                throw Stop()
            })
        try db.transaction { try db.execute("INSERT INTO t VALUES (2)") }
        let count = try db.cached("SELECT group_concat(n) FROM t")
        XCTAssertTrue(try count.step())
        XCTAssertEqual(count.text(0), "2")
    }

    func testBlobsAreWrittenAndReadInPlace() throws {
        let db = try open()
        let words: [UInt64] = (0..<300_000).map { UInt64($0) &* 0x9E37_79B9_7F4A_7C15 }
        try db.execute(
            "CREATE TABLE b (id INTEGER PRIMARY KEY, data BLOB); INSERT INTO b VALUES (1, zeroblob(\(words.count * 8)))"
        )
        try db.writeBlob(table: "b", column: "data", row: 1, from: words)
        var back = [UInt64](repeating: 0, count: words.count)
        try db.readBlob(table: "b", column: "data", row: 1, into: &back)
        XCTAssertEqual(back, words)
        XCTAssertThrowsError(try db.writeBlob(table: "b", column: "data", row: 2, from: words), "no such row")
    }

    func testErrorsSayWhatWasBeingDoneAndWhetherTheFileIsDamaged() throws {
        let db = try open()
        XCTAssertThrowsError(try db.execute("SELEKT 1")) { error in
            let e = error as? SQLiteError
            XCTAssertEqual(e?.context.hasPrefix("executing SELEKT"), true, "\(error)")
            XCTAssertEqual(e?.isDamaged, false)
            // The adapter says it was SQLite; what the database is, its user says (cv-dedupe: the
            // sync's state; cv-emulator's store is no "state database").
            XCTAssertEqual(e.map(String.init(describing:))?.hasPrefix("SQLite: executing SELEKT"), true, "\(error)")
        }
        let junk = folder.appendingPathComponent("junk.db").path
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: junk))
        XCTAssertThrowsError(try Database(path: junk)) {
            XCTAssertEqual(($0 as? SQLiteError)?.isDamaged, true, "\($0)")
        }
    }
}
