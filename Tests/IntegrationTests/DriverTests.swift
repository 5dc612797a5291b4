import Foundation
import JSONCodec
import XCTest

/// scripts/cv-sync running real syncs: PostgreSQL → the four tools → cv-emulator.
final class DriverTests: DriverTestCase {
    func contactsSync(extra: [String] = []) throws {
        try writeSync(
            "people", ["SOURCE=\(pg)", "TYPE=contacts"] + extra,
            query:
                "SELECT id AS \"userId\", email, first_name FROM \(table) WHERE updated_at > "
                + "to_timestamp({{last_sync_time}}) ORDER BY id"
        )
    }

    func testFirstRunThenIncrementalThenUnchanged() throws {
        try contactsSync()
        try cvSync(["run", "people"])
        let last = try String(contentsOfFile: "\(home)/state/people/last_sync_time", encoding: .utf8)
        try TestServers.psql(
            pg, "UPDATE \(table) SET first_name = 'Bob', updated_at = now() + interval '1 second' WHERE id = 2")
        Waits.nextSecond()
        try cvSync(["run", "people"])
        let runs = try history("people")
        XCTAssertEqual(runs.map { $0["status"] }, [.string("succeeded"), .string("succeeded")])
        XCTAssertEqual(runs.map { $0["rowsExtracted"] }, [.number("3"), .number("1")])
        XCTAssertEqual(runs[1]["lastSyncTime"]?.serialized, last.trimmingCharacters(in: .newlines))
        guard case .array(let contacts)? = try HTTP.get(emulator.url + "/_emulator/contacts").json else {
            return XCTFail()
        }
        XCTAssertEqual(contacts.count, 3)
        XCTAssertEqual(
            contacts.compactMap(\.objectValue).first { $0["userId"] == .string("2") }?["fields"],
            .object(["first_name": .string("Bob")]))
        // A full resync of unchanged data sends nothing (change detection).
        try cvSync(["reset", "people", "--yes"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(home)/state/people/last_sync_time"))
        try cvSync(["run", "people"])
        XCTAssertEqual(try history("people").last?["recordsSent"], .number("3"), "reset forgets what was sent")
        let table = try cvSync(["history", "people"]).1
        XCTAssertTrue(table.hasPrefix("RUN "), table)
        XCTAssertEqual(table.split(separator: "\n").count, 4)
    }

    func testRunWhileLockedIsSkippedAndRecorded() throws {
        try contactsSync()
        try FileManager.default.createDirectory(atPath: "\(home)/state/people", withIntermediateDirectories: true)
        // The holder says when it has the lock (a file it creates while holding it), so the run
        // starts after that, not after a guess at how long flock takes.
        let held = "\(home)/lock-held"
        let holder = try Launcher.start([
            "/usr/bin/flock", "\(home)/state/people/lock", "sh", "-c", "touch '\(held)'; exec sleep 5",
        ])
        XCTAssertTrue(
            Waits.until(timeout: 10) { FileManager.default.fileExists(atPath: held) },
            "the lock holder never took the lock")
        let (_, _, err) = try cvSync(["run", "people"])
        holder.stop()
        XCTAssertTrue(err.contains("the previous run is still running; this run is skipped"), err)
        XCTAssertEqual(try history("people").map { $0["status"] }, [.string("skipped")])
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(home)/state/people/last_sync_time"))
    }

    func testFailedLoadMovesNothingAndTheNextRunDeliversEverything() throws {
        try contactsSync(extra: ["MAX_ATTEMPTS=2"])
        _ = try HTTP.post(emulator.url + "/_emulator/faults", #"{"errorRate":1}"#)
        let (_, _, err) = try cvSync(["run", "people"], status: 1)
        XCTAssertTrue(err.contains("people: failed"), err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(home)/state/people/last_sync_time"))
        XCTAssertEqual(try history("people").last?["status"], .string("failed"))
        XCTAssertTrue(try history("people").last?["error"]?.stringValue?.contains("not delivered") ?? false)
        let stats = try PipelineTests.shell(
            "'\(ToolRunner.path(of: "cv-dedupe"))' stats --state '\(home)/state/people/dedupe.db'"
        ).1
        XCTAssertTrue(stats.contains("\"contacts\":0"), stats)
        _ = try HTTP.post(emulator.url + "/_emulator/faults", #"{"errorRate":0}"#)
        try cvSync(["run", "people"])
        XCTAssertEqual(try history("people").last?["succeeded"], .number("3"))
    }

    func testTimeBufferedEventsAreNotSentTwice() throws {
        try contactsSync()
        try cvSync(["run", "people"])
        try TestServers.psql(
            pg,
            "CREATE TABLE \(table)_orders AS SELECT g AS id, 1 + g % 3 AS user_id, now() - interval '30 seconds' AS "
                + "created_at FROM generate_series(1, 20) g"
        )
        try writeSync(
            "orders", ["SOURCE=\(pg)", "TYPE=events"],
            query: """
                SELECT o.user_id AS "userId", 'purchase' AS event_name, o.created_at AS timestamp, 'o-' || o.id AS "eventId", o.id AS n
                FROM \(table)_orders o WHERE o.created_at > to_timestamp({{last_sync_time}} - 300)
                """)
        try cvSync(["run", "orders"])
        Waits.nextSecond()
        try cvSync(["run", "orders"])
        let runs = try history("orders")
        XCTAssertEqual(
            runs.map { $0["rowsExtracted"] }, [.number("20"), .number("20")], "the buffer reads the same rows again")
        XCTAssertEqual(runs[1]["duplicatesSkipped"], .number("20"))
        XCTAssertEqual(runs[1]["recordsSent"], .number("0"))
        guard case .array(let events)? = try HTTP.get(emulator.url + "/_emulator/events").json else { return XCTFail() }
        XCTAssertEqual(events.count, 20)
    }

    /// 2,000 events without an eventId against an API that refuses (503, before processing)
    /// about half the batches: the next runs re-read all 2,000 rows (the watermark stayed) and
    /// feed the queued ones. Each event is stored once (it was 3,000 sent, 2,000 stored twice).
    func testEventsWithoutEventIdAreStoredOnceAfterAnOutage() throws {
        try writeSync(
            "orders", ["SOURCE=\(pg)", "TYPE=events", "MAX_ATTEMPTS=1", "BATCH_SIZE=100"],
            query: """
                SELECT 'u' || (g % 40) || '@x.com' AS email, 'purchase' AS event_name,
                       to_timestamp(1767225600 + g) AS timestamp, g AS n
                FROM generate_series(1, 2000) g WHERE {{last_sync_time}} >= 0
                """)
        _ = try HTTP.post(emulator.url + "/_emulator/faults", #"{"errorRate":0.5,"errorStatus":503,"seed":7}"#)
        _ = try cvSync(["run", "orders"], status: 1)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(home)/state/orders/last_sync_time"))
        let first = try history("orders").last
        func count(_ value: JSONValue?) -> Int { if case .number(let n)? = value { Int(n) ?? 0 } else { 0 } }
        XCTAssertGreaterThan(count(first?["succeeded"]), 0, "some batches got through")
        XCTAssertGreaterThan(count(first?["retryQueued"]), 0, "some were refused and queued")
        _ = try HTTP.post(emulator.url + "/_emulator/faults", #"{"errorRate":0}"#)
        try cvSync(["run", "orders"])
        try cvSync(["run", "orders"])
        guard case .array(let events)? = try HTTP.get(emulator.url + "/_emulator/events").json else { return XCTFail() }
        let numbers = events.map { count($0.objectValue?["data"]?.objectValue?["n"]) }
        XCTAssertEqual(numbers.count, 2000, "stored once each, not \(numbers.count)")
        XCTAssertEqual(Set(numbers).count, 2000)
        let runs = try history("orders")
        XCTAssertEqual(
            runs.map { count($0["recordsSent"]) }.reduce(0, +) - count(first?["failed"]), 2000,
            "each event sent once, plus the refused ones once more")
        XCTAssertEqual(runs.last?["recordsSent"], .number("0"), "the third run finds nothing new")
    }

    func testDueHonoursSchedules() throws {
        try contactsSync(extra: ["SCHEDULE=1h"])
        try writeSync(
            "later", ["SOURCE=\(pg)", "TYPE=contacts", "SCHEDULE=1d"], query: "SELECT 1 AS \"userId\" WHERE false")
        try FileManager.default.createDirectory(atPath: "\(home)/state/later", withIntermediateDirectories: true)
        try String(Int(Date().timeIntervalSince1970) - 3600).write(
            toFile: "\(home)/state/later/last_start", atomically: true, encoding: .utf8)
        try cvSync(["due"])
        XCTAssertEqual(try history("people").count, 1, "never run: due")
        XCTAssertEqual(try history("later").count, 0, "ran an hour ago on a daily schedule: not due")
        try cvSync(["due"])
        XCTAssertEqual(try history("people").count, 1, "just ran: not due again")
        let schedule = try cvSync(["schedule"]).1
        XCTAssertTrue(schedule.hasPrefix("* * * * * CV_SYNC_HOME='\(home)' "), schedule)
        XCTAssertTrue(schedule.contains("# people: every 1h"), schedule)
    }

    func testErrorsAndReplayOfRetryableRejects() throws {
        try TestServers.psql(pg, "INSERT INTO \(table) VALUES (4, 'not-an-email', 'Dee', now() - interval '1 hour')")
        try writeSync(
            "signups", ["SOURCE=\(pg)", "TYPE=events"],
            query: """
                SELECT 'ghost-' || id AS "userId", 'signup' AS event_name, updated_at AS timestamp, 's-' || id AS "eventId" FROM \(table) WHERE id <= 2
                """)
        // Every record rejected is not about rows: the run fails (its rejects are still kept).
        try cvSync(["run", "signups"], status: 1)
        XCTAssertEqual(try history("signups").last?["status"], .string("failed"))
        let (_, rejects, summary) = try cvSync(["errors", "signups"])
        XCTAssertEqual(rejects.split(separator: "\n").count, 2)
        XCTAssertTrue(summary.contains("2 load contact_not_found"), summary)
        let saved = home + "/signup-errors.ndjson"
        try rejects.write(toFile: saved, atomically: true, encoding: .utf8)
        // The contacts appear in Conversion; the saved rejects are replayed.
        for i in 1...2 {
            _ = try HTTP.post(emulator.url + "/v2/contacts", "{\"email\":\"g\(i)@x.com\",\"userId\":\"ghost-\(i)\"}")
        }
        try cvSync(["replay", "signups", saved])
        let last = try history("signups").last!
        XCTAssertEqual(last["mode"], .string("records"))
        XCTAssertEqual(last["succeeded"], .number("2"))
        // Row-level rejects from cv-map count as failed but do not fail the run.
        try contactsSync()
        try cvSync(["run", "people"])
        XCTAssertEqual(try history("people").last?["failed"], .number("1"))
        XCTAssertTrue(try cvSync(["errors", "people"]).1.contains("\"code\":\"invalid_email\""))
    }

    func testSyncFileValuesAreNeverExecuted() throws {
        let marker = NSTemporaryDirectory() + "pwned-\(UUID().uuidString)"
        try writeSync("evil", ["SOURCE=$(touch \(marker))", "TYPE=contacts"], query: "SELECT 1")
        try "SOURCE=postgresql://u:secret@h/db\nTYPE=contacts\nQUERY=evil.sql\n".write(
            toFile: home + "/syncs/leaky.sync", atomically: true, encoding: .utf8)
        _ = try cvSync(["run", "evil"], status: 2)
        _ = try cvSync(["check", "evil"], status: 2)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "the value was executed")
        let (_, _, err) = try cvSync(["check", "leaky"], status: 2)
        XCTAssertTrue(err.contains("SOURCE holds a password"), err)
        XCTAssertFalse(err.contains("secret"))
    }

    func testCheckConnectsToTheWarehouseAndTheAPI() throws {
        try contactsSync()
        let (_, _, ok) = try cvSync(["check", "people"])
        XCTAssertTrue(ok.contains("answers and accepts the key"), ok)
        try writeSync("down", ["SOURCE=postgresql://postgres@127.0.0.1:1/dev", "TYPE=contacts"], query: "SELECT 1")
        let (_, _, err) = try cvSync(["check", "down"], status: 1)
        XCTAssertTrue(err.contains("down: warehouse: connection failed: host '127.0.0.1' port 1"), err)
        // A query error is the query's, not the connection's.
        try writeSync("typo", ["SOURCE=\(pg)", "TYPE=contacts"], query: "SELECT nosuch")
        let (_, _, syntax) = try cvSync(["check", "typo"], status: 1)
        XCTAssertTrue(
            syntax.contains("typo: warehouse: query failed at line 1 column 8: column \"nosuch\" does not exist"),
            syntax)
        XCTAssertFalse(syntax.lowercased().contains("connection"), syntax)
        // An object type the workspace does not have is found by check, before any run.
        try #"{"objects": {"product": {"fields": {"sku": "string"}}, "plan": {"fields": {"tier": "string"}}}}"#
            .write(toFile: "\(home)/syncs/objects.json", atomically: true, encoding: .utf8)
        try writeSync(
            "plans", ["SOURCE=\(pg)", "TYPE=objects", "OBJECT_TYPE=plan", "SCHEMA=objects.json"],
            query: "SELECT 'p1' AS id, 'gold' AS tier")
        let (_, _, missing) = try cvSync(["check", "plans"], status: 1)
        XCTAssertTrue(missing.contains("the workspace has no object type 'plan'"), missing)
    }
}
