import Foundation
import JSONCodec
import XCTest

/// Sync files are read as data and checked value by value; a run whose state or mapping cannot
/// work fails before anything is extracted, with a message that says what to do, in its history.
final class DriverConfigurationTests: DriverTestCase {
    private var query: String {
        "SELECT id AS \"userId\", email, first_name FROM \(table) WHERE updated_at > to_timestamp({{last_sync_time}})"
    }

    private func writeRaw(_ name: String, _ text: String) throws {
        try query.write(toFile: "\(home)/syncs/\(name).sql", atomically: true, encoding: .utf8)
        try text.write(toFile: "\(home)/syncs/\(name).sync", atomically: true, encoding: .utf8)
    }

    private func storedContacts() throws -> Int {
        guard case .array(let contacts)? = try HTTP.get(emulator.url + "/_emulator/contacts").json else { return -1 }
        return contacts.count
    }

    /// Trailing spaces and ' # comments' are not part of values; quotes keep a '#' inside.
    func testSpacesAndCommentsAreNotPartOfValues() throws {
        try writeRaw(
            "people",
            """
            # the people sync
            SOURCE = "\(pg)"   # the warehouse
            TYPE=contacts    \("")
            SCHEDULE=1h # hourly
            BATCH_SIZE=2\t# small batches
            QUERY=people.sql
            """)
        try cvSync(["run", "people"])
        XCTAssertEqual(try storedContacts(), 3)
        XCTAssertEqual(try history("people").last?["status"], .string("succeeded"))
        let (_, schedule, _) = try cvSync(["schedule"])
        XCTAssertTrue(schedule.contains("# people: every 1h"), schedule)
    }

    /// Each bad value is exit 2 before anything runs, names the file's line, and is in the history.
    func testBadValuesAreRefusedWithTheirLine() throws {
        let cases: [(String, String)] = [
            ("TYPE=contacts\nTYPE=events", "people.sync:3: TYPE is already set on line 2; a key may appear once"),
            ("TYPE=contacts\nBATCH_SIZE=5000", "people.sync:3: BATCH_SIZE must be a whole number from 1 to 1000"),
            ("TYPE=events\nBATCH_SIZE=500", "people.sync:3: BATCH_SIZE must be a whole number from 1 to 200"),
            ("TYPE=contacts\nRATE=fast", "people.sync:3: RATE must be requests per second"),
            ("TYPE=contacts\nRATE=0", "people.sync:3: RATE must be requests per second"),
            ("TYPE=contacts\nMAX_ATTEMPTS=0", "people.sync:3: MAX_ATTEMPTS must be a whole number from 1 to 20"),
            ("TYPE=contacts\nNULLS=null", "people.sync:3: NULLS must be skip"),
            ("TYPE=contacts\nKEEP_RUNS=all", "people.sync:3: KEEP_RUNS must be a whole number"),
            (
                "TYPE=contacts\nNOTIFY_URL=hooks.slack.com/x",
                "people.sync:3: NOTIFY_URL must be an http:// or https:// URL"
            ),
            ("type=contacts", "people.sync:2: unknown key 'type' (keys are upper case: TYPE)"),
            ("TYPE=\"contacts", "people.sync:2: TYPE: the value opens a quote (\") that is never closed"),
        ]
        for (index, (lines, message)) in cases.enumerated() {
            try writeRaw("people", "SOURCE=\(pg)\n\(lines)\nQUERY=people.sql\n")
            let (_, _, err) = try cvSync(["run", "people"], status: 2)
            XCTAssertTrue(err.contains(message), "\(lines): \(err)")
            let runs = try history("people")
            XCTAssertEqual(runs.count, index + 1, "a history line for \(lines)")
            XCTAssertTrue(runs.last?["error"]?.stringValue?.contains(message) ?? false, "\(runs.last ?? [:])")
        }
        XCTAssertEqual(try storedContacts(), 0)
    }

    /// A password in SOURCE is refused however it is spelled.
    func testAPasswordInTheSourceIsRefusedHoweverItIsSpelled() throws {
        for source in [
            "postgres://u:secret@127.0.0.1/db", "\(pg)?PassWord=secret", "\(pg)?%70assword=secret",
            "odbc:Driver={PostgreSQL Unicode};PWD = secret", "\(pg)?sslpassword=secret",
            // Both got past the patterns the driver used to match: bash's printf '%b' stops at
            // \c, and a %-encoded '/' in the user-info no longer matched ://[^/@]*:[^/@]*@.
            "\(pg)?application_name=a\\c&password=secret", "postgresql://u:se%2Fcret@127.0.0.1/db",
            "host=127.0.0.1 password=secret", "\(pg)?pass%77ord=secret",
        ] {
            try writeRaw("people", "SOURCE=\(source)\nTYPE=contacts\nQUERY=people.sql\n")
            let (_, out, err) = try cvSync(["run", "people"], status: 2)
            // libpq's URI parameters are case-sensitive: it would not read PassWord, so neither do we.
            let refusal =
                source.contains("PassWord") ? "invalid URI query parameter" : "SOURCE holds a password or token"
            XCTAssertTrue(err.contains(refusal), "\(source): \(err)")
            XCTAssertFalse((out + err).contains("secret"), "the password is not repeated")
        }
        XCTAssertFalse(
            try String(contentsOfFile: "\(home)/state/people/history.ndjson", encoding: .utf8).contains("secret"))
    }

    /// A schema with a typo or an object type it does not define fails the run before extraction.
    func testMappingProblemsFailBeforeExtracting() throws {
        try #"{"contacts": {"fields": {"age": "numbr"}}}"#.write(
            toFile: "\(home)/syncs/typo.json", atomically: true, encoding: .utf8)
        try writeRaw("people", "SOURCE=\(pg)\nTYPE=contacts\nSCHEMA=typo.json\nQUERY=people.sql\n")
        let (_, _, typo) = try cvSync(["run", "people"], status: 2)
        XCTAssertTrue(typo.contains("type must be one of string, number, boolean, date, datetime, got \"numbr\""), typo)
        try #"{"objects": {"product": {"fields": {"sku": "string"}}}}"#.write(
            toFile: "\(home)/syncs/objects.json", atomically: true, encoding: .utf8)
        try writeRaw(
            "people", "SOURCE=\(pg)\nTYPE=objects\nOBJECT_TYPE=prodcut\nSCHEMA=objects.json\nQUERY=people.sql\n")
        let (_, _, unknown) = try cvSync(["run", "people"], status: 2)
        XCTAssertTrue(unknown.contains("object type 'prodcut' not found in schema"), unknown)
        let runs = try history("people")
        XCTAssertEqual(runs.map { $0["status"] }, [.string("failed"), .string("failed")])
        XCTAssertEqual(runs.map { $0["rowsExtracted"] }, [.number("0"), .number("0")])
        let (_, _, check) = try cvSync(["check", "people"], status: 2)
        XCTAssertTrue(check.contains("object type 'prodcut' not found in schema"), check)
    }

    /// An empty or damaged dedupe state stops the run with what it means; reset moves it aside
    /// together with the watermark, and the next run is a full sync.
    func testAnEmptyOrDamagedStateIsNamedAndResetRecovers() throws {
        try writeRaw("people", "SOURCE=\(pg)\nTYPE=contacts\nQUERY=people.sql\n")
        try cvSync(["run", "people"])
        let state = "\(home)/state/people"
        let watermark = try String(contentsOfFile: "\(state)/last_sync_time", encoding: .utf8)
        try Data().write(to: URL(fileURLWithPath: "\(state)/dedupe.db"))
        let (_, _, empty) = try cvSync(["run", "people"], status: 2)
        XCTAssertTrue(empty.contains("dedupe.db' is empty (0 bytes)"), empty)
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: "\(state)/dedupe.db"))
        let (_, _, damaged) = try cvSync(["run", "people"], status: 2)
        XCTAssertTrue(damaged.contains("dedupe.db' is damaged"), damaged)
        XCTAssertEqual(try history("people").suffix(2).map { $0["rowsExtracted"] }, [.number("0"), .number("0")])
        XCTAssertEqual(
            try String(contentsOfFile: "\(state)/last_sync_time", encoding: .utf8), watermark, "nothing moved")

        try cvSync(["reset", "people", "--yes"])
        for file in ["last_sync_time", "dedupe.db"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: "\(state)/\(file)"), file)
            XCTAssertTrue(FileManager.default.fileExists(atPath: "\(state)/before-reset/\(file)"), file)
        }
        try cvSync(["run", "people"])
        XCTAssertEqual(try history("people").last?["recordsSent"], .number("3"), "a full sync")
    }

    /// A state folder the user cannot write is named, not reported as an unbound variable.
    func testAReadOnlyStateFolderIsNamed() throws {
        guard getuid() == 0 else { throw XCTSkip("needs root to run the driver as another user") }
        // The driver and the tools are copied where an unprivileged user can run them.
        let install = NSTemporaryDirectory() + "ro-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: install) }
        let copy = try PipelineTests.shell(
            """
            mkdir -p '\(install)/bin' && cp -r '\(SyncHome.repo.path)/scripts' '\(install)/' &&
            for t in wh-extract cv-map cv-dedupe cv-load cv-run; do cp '\(ToolRunner.binDirectory.path)'/$t '\(install)/bin/'; done &&
            chmod -R a+rX '\(install)' '\(home)'
            """)
        XCTAssertEqual(copy.0, 0, copy.2)
        try writeRaw("people", "SOURCE=\(pg)\nTYPE=contacts\nQUERY=people.sql\n")
        try FileManager.default.createDirectory(atPath: "\(home)/state/people/runs", withIntermediateDirectories: true)
        _ = try PipelineTests.shell("chmod -R a+rX '\(home)'")
        let (status, _, err) = try PipelineTests.shell(
            "runuser -u nobody -- env CV_SYNC_HOME='\(home)' CV_BIN='\(install)/bin' CONVERSION_API_KEY=k "
                + "PATH=/usr/bin:/bin '\(install)/scripts/cv-sync' run people"
        )
        XCTAssertEqual(status, 2, err)
        XCTAssertTrue(err.contains("cannot write the state folder \(home)/state/people"), err)
        XCTAssertFalse(err.contains("unbound variable"), err)
    }

    /// A run whose history cannot be written fails loudly (a failed write once went unnoticed
    /// and the run looked recorded), and now before anything is extracted: numbering the run
    /// reads the history.
    func testARunThatCannotBeRecordedFailsLoudly() throws {
        try writeRaw("people", "SOURCE=\(pg)\nTYPE=contacts\nQUERY=people.sql\n")
        try cvSync(["run", "people"])
        try FileManager.default.removeItem(atPath: "\(home)/state/people/history.ndjson")
        try FileManager.default.createDirectory(
            atPath: "\(home)/state/people/history.ndjson", withIntermediateDirectories: true)
        try TestServers.psql(pg, "UPDATE \(table) SET first_name = 'Changed', updated_at = now()")
        let (_, _, err) = try cvSync(["run", "people"], status: 1)
        XCTAssertTrue(
            err.contains(
                "people: cannot start a run: \(home)/state/people/history.ndjson: read failed: Is a directory"),
            err)
        guard case .array(let contacts)? = try HTTP.get(emulator.url + "/_emulator/contacts").json else {
            return XCTFail()
        }
        XCTAssertFalse(contacts.contains { "\($0)".contains("Changed") }, "nothing was sent")
    }
}
