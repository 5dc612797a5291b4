import Foundation
import JSONCodec
import XCTest

/// cv-sync checks its arguments and what a run needs before anything is extracted or sent.
final class DriverArgumentTests: DriverTestCase {
    private func contactsSync() throws {
        try writeSync(
            "people", ["SOURCE=\(pg)", "TYPE=contacts"],
            query:
                "SELECT id AS \"userId\", email, first_name FROM \(table) WHERE updated_at > "
                + "to_timestamp({{last_sync_time}})"
        )
    }

    private func storedContacts() throws -> Int {
        guard case .array(let contacts)? = try HTTP.get(emulator.url + "/_emulator/contacts").json else { return -1 }
        return contacts.count
    }

    /// An unknown flag is a usage error before anything runs; --help of a command does nothing else.
    func testUnknownFlagsAndHelpRunNothing() throws {
        try contactsSync()
        try writeSync("later", ["SOURCE=\(pg)", "TYPE=contacts", "SCHEDULE=1h"], query: "SELECT 1 AS \"userId\"")
        let (_, _, err) = try cvSync(["run", "people", "--bogus"], status: 2)
        XCTAssertTrue(err.contains("run: unknown option '--bogus'"), err)
        let (_, help, _) = try cvSync(["due", "--help"])
        XCTAssertTrue(help.hasPrefix("usage: cv-sync due"), help)
        try cvSync(["run", "--help"])
        try cvSync(["history"], status: 2)
        XCTAssertEqual(try storedContacts(), 0, "nothing was sent")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(home)/state/people/history.ndjson"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(home)/state/later/history.ndjson"))
    }

    /// Every help text fits 80 columns: cv-sync's per-command help ran to 93.
    func testEveryHelpFitsEightyColumns() throws {
        var texts: [(String, String)] = []
        for command in [
            "", "run", "preview", "due", "status", "metrics", "report", "schedule", "history", "errors", "reset",
            "replay",
            "retry", "check",
        ] {
            texts.append(("cv-sync \(command)", try cvSync(command.isEmpty ? ["--help"] : [command, "--help"]).1))
        }
        for tool in [["wh-extract"], ["cv-map"], ["cv-dedupe"], ["cv-dedupe", "commit"], ["cv-load"], ["cv-emulator"]] {
            let run = try ToolRunner.run(tool[0], Array(tool.dropFirst()) + ["--help"], environment: ["COLUMNS": "80"])
            XCTAssertEqual(run.status, 0, run.stderr)
            texts.append((tool.joined(separator: " "), run.stdout))
        }
        for (name, text) in texts {
            XCTAssertFalse(text.isEmpty, name)
            for line in text.split(separator: "\n") where line.count > 80 {
                XCTFail("\(name) --help: \(line.count) columns: \(line)")
            }
        }
        XCTAssertTrue(texts[1].1.hasPrefix("usage: cv-sync run NAME… [--dry-run]\n  one run of each sync"), texts[1].1)
    }

    /// `run A B` checks both sync files before running either.
    func testEveryNamedSyncIsCheckedBeforeAnyRuns() throws {
        try contactsSync()
        try "SOURCE=\(pg)\nTYPE=contact\nQUERY=people.sql\n".write(
            toFile: home + "/syncs/broken.sync", atomically: true, encoding: .utf8)
        let (_, _, err) = try cvSync(["run", "people", "broken"], status: 2)
        XCTAssertTrue(err.contains("TYPE must be contacts, objects or events, got 'contact'"), err)
        XCTAssertEqual(try storedContacts(), 0)
    }

    /// One broken sync file does not stop `due` from running the good ones; it is recorded.
    func testDueRunsTheGoodSyncsAndRecordsTheBrokenOne() throws {
        try writeSync(
            "people", ["SOURCE=\(pg)", "TYPE=contacts", "SCHEDULE=1h"],
            query: "SELECT id AS \"userId\", email, first_name FROM \(table)")
        try "SOURCE=\(pg)\nTYPE=contact\nSCHEDULE=1h\nQUERY=people.sql\n".write(
            toFile: home + "/syncs/broken.sync", atomically: true, encoding: .utf8)
        let (_, _, err) = try cvSync(["due"], status: 2)
        XCTAssertTrue(err.contains("broken: not run:"), err)
        XCTAssertEqual(try history("people").last?["status"], .string("succeeded"))
        XCTAssertEqual(try history("broken").last?["status"], .string("failed"))
        XCTAssertEqual(try storedContacts(), 3)
    }

    /// No API key, or one that cannot be read, fails the run before extraction, in the history.
    func testAMissingOrUnreadableAPIKeyFailsBeforeExtracting() throws {
        try contactsSync()
        sync.environment = ["CONVERSION_API_KEY": ""]
        let (_, _, none) = try cvSync(["run", "people"], status: 2)
        XCTAssertTrue(none.contains("no API key: set CONVERSION_API_KEY or CONVERSION_API_KEY_FILE"), none)
        sync.environment = ["CONVERSION_API_KEY": "", "CONVERSION_API_KEY_FILE": home + "/missing-key"]
        let (_, _, unreadable) = try cvSync(["run", "people"], status: 2)
        XCTAssertTrue(unreadable.contains("cannot read the API key file"), unreadable)
        let runs = try history("people")
        XCTAssertEqual(runs.map { $0["status"] }, [.string("failed"), .string("failed")])
        XCTAssertEqual(runs.map { $0["rowsExtracted"] }, [.number("0"), .number("0")], "nothing was extracted")
    }

    /// A dry run shows what would be sent and sends nothing, moves nothing, records nothing.
    func testADryRunSendsNothingAndMovesNothing() throws {
        try contactsSync()
        let (_, out, err) = try cvSync(["run", "people", "--dry-run"])
        XCTAssertTrue(err.contains("people: 3 rows, 3 records would be sent in 1 requests"), err)
        let shown = out.split(separator: "\n").compactMap { try? JSONValue.parse(String($0)).objectValue }
        XCTAssertEqual(shown.count, 3, out)
        XCTAssertEqual(Set(shown.compactMap { $0["email"]?.stringValue }), ["a@x.com", "b@x.com", "c@x.com"])
        XCTAssertEqual(try storedContacts(), 0)
        for file in ["last_sync_time", "history.ndjson", "dedupe.db"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: "\(home)/state/people/\(file)"), file)
        }
        // After a real run, a dry run reads from the new watermark and would send nothing.
        try cvSync(["run", "people"])
        let (_, again, summary) = try cvSync(["run", "people", "--dry-run"])
        XCTAssertTrue(summary.contains("people: 0 rows, 0 records would be sent in 0 requests"), summary)
        XCTAssertEqual(again, "")
        XCTAssertEqual(try history("people").count, 1)
    }

    /// SIGTERM to the driver: the stages stop (none outlives it), the acks received so far are
    /// committed, the run is recorded as cancelled, the lock is released, the exit is 143.
    func testSIGTERMCancelsTheRunCleanly() throws {
        try TestServers.psql(
            pg,
            "INSERT INTO \(table) SELECT g, 'u' || g || '@x.com', 'N', now() - interval '1 hour' FROM "
                + "generate_series(10, 49) g"
        )
        try writeSync(
            "people", ["SOURCE=\(pg)", "TYPE=contacts", "BATCH_SIZE=1", "RATE=5"],
            query:
                "SELECT id AS \"userId\", email, first_name FROM \(table) WHERE updated_at > "
                + "to_timestamp({{last_sync_time}})"
        )
        let driver = try startDriver(["run", "people"])
        // Wait until Conversion holds a few records, then stop the driver.
        try waitForContacts(3)
        let signalled = Date()
        driver.signal(SIGTERM)
        let status = driver.wait()
        let stderr = driver.stderr
        XCTAssertEqual(status, 143, stderr)
        XCTAssertLessThan(Date().timeIntervalSince(signalled), 10, "stopped promptly")
        // The bracket keeps the pattern from matching the shell that runs pgrep.
        let left = try PipelineTests.shell("pgrep -fa '\(home)/[s]tate/people' || true").1
        XCTAssertEqual(left, "", "a stage outlived the driver")
        let run = try history("people").last ?? [:]
        XCTAssertEqual(run["status"], .string("cancelled"), stderr)
        guard case .number(let n)? = run["succeeded"], let delivered = Int(n) else { return XCTFail("\(run)") }
        XCTAssertGreaterThanOrEqual(delivered, 3)
        XCTAssertLessThan(delivered, 43, "the run was stopped before the end")
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(home)/state/people/last_sync_time"))
        // The lock is free and what was acknowledged is not sent again.
        try writeSync(
            "people", ["SOURCE=\(pg)", "TYPE=contacts"],
            query:
                "SELECT id AS \"userId\", email, first_name FROM \(table) WHERE updated_at > "
                + "to_timestamp({{last_sync_time}})"
        )
        try cvSync(["run", "people"])
        XCTAssertEqual(try history("people").last?["unchangedSkipped"], .number(String(delivered)))
    }
}
