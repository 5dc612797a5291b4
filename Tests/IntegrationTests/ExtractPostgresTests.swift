import Foundation
import JSONCodec
import XCTest

final class ExtractPostgresTests: XCTestCase {
    private var url = ""

    override func setUpWithError() throws {
        url = try TestServers.postgresURL()
    }

    func testEveryTypeMapsExactly() throws {
        try TestServers.psql(url, AllTypesFixture.createSQL("wx_types"))
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT * FROM wx_types ORDER BY id"], environment: ["WH_SOURCE": url])
        XCTAssertEqual(run.stderr, "")
        XCTAssertEqual(run.status, 0)
        XCTAssertEqual(run.stdout, AllTypesFixture.expected)
    }

    func testAliasesQuotedNamesAndRedshiftScheme() throws {
        let redshift = url.replacingOccurrences(of: "postgresql://", with: "redshift://") + "?sslmode=disable"
        let run = try ToolRunner.run(
            "wh-extract", ["--query", "-"], environment: ["WH_SOURCE": redshift],
            stdin: "SELECT 1 AS \"userId\", 'a@x.com' AS email, 2 AS \"Email\"")
        XCTAssertEqual(run.stdout, "{\"userId\":1,\"email\":\"a@x.com\",\"Email\":2}\n")
        XCTAssertEqual(run.status, 0, run.stderr)
    }

    func testLastSyncTimeSelectsOnlyNewerRows() throws {
        try TestServers.psql(
            url,
            """
            DROP TABLE IF EXISTS wx_users;
            CREATE TABLE wx_users (id int, updated_at timestamptz);
            INSERT INTO wx_users VALUES (1, to_timestamp(1000)), (2, to_timestamp(2000)), (3, to_timestamp(3000));
            """)
        let query = "SELECT id FROM wx_users WHERE updated_at > to_timestamp({{ last_sync_time }}) ORDER BY id"
        let all = try ToolRunner.run("wh-extract", ["--query-text", query], environment: ["WH_SOURCE": url])
        XCTAssertEqual(all.stdout, "{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n")
        let newer = try ToolRunner.run(
            "wh-extract", ["--query-text", query, "--last-sync-time", "1500"], environment: ["WH_SOURCE": url])
        XCTAssertEqual(newer.stdout, "{\"id\":2}\n{\"id\":3}\n")
        let buffered = try ToolRunner.run(
            "wh-extract",
            [
                "--query-text", query.replacingOccurrences(of: "}})", with: "}} - 600)"),
                "--last-sync-time", "2500",
            ], environment: ["WH_SOURCE": url])
        XCTAssertEqual(buffered.stdout, "{\"id\":2}\n{\"id\":3}\n")
    }

    func testQueryErrorNamesThePosition() throws {
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT 1,\n  nosuch FROM pg_class"], environment: ["WH_SOURCE": url])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, "wh-extract: query failed at line 2 column 3: column \"nosuch\" does not exist\n")
        XCTAssertEqual(run.stdout, "")
    }

    func testNonSelectStatementIsRefused() throws {
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "CREATE TEMP TABLE x (a int)"], environment: ["WH_SOURCE": url])
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(
            run.stderr,
            """
            wh-extract: refused: it starts with CREATE; a sync query must be one SELECT, WITH, VALUES or TABLE for \
            PostgreSQL

            """)
        let table = try ToolRunner.run(
            "wh-extract", ["--query-text", "TABLE pg_am LIMIT 1"], environment: ["WH_SOURCE": url])
        XCTAssertEqual(table.status, 0, table.stderr)
    }

    /// `COPY (SELECT …) TO 'file'` wrote a file on the server inside the read-only transaction
    /// (the test role is a superuser) and then exited 1; it is refused before it is sent.
    func testCopyToAServerFileIsRefusedBeforeItReachesTheServer() throws {
        let target = "/tmp/wx-copy-\(UUID().uuidString)"
        for query in [
            "COPY (SELECT 1) TO '\(target)'", "SELECT 1; COPY (SELECT 1) TO '\(target)'",
            "WITH a AS (SELECT 1) SELECT lo_export(0, '\(target)')", "SELECT 1 AS a INTO wx_new_table",
            "/* a /* nested */ comment */ COPY (SELECT 1) TO '\(target)'",
            "SELECT $t$ ' $t$ AS a; COPY (SELECT 1) TO '\(target)'",
            "SELECT 'x\\' AS a, 1 FROM (COPY (SELECT 1) TO '\(target)') c --'",
        ] {
            let run = try ToolRunner.run("wh-extract", ["--query-text", query], environment: ["WH_SOURCE": url])
            XCTAssertEqual(run.status, 2, "\(query): \(run.stderr)")
            XCTAssertTrue(run.stderr.hasPrefix("wh-extract: refused: "), "\(query): \(run.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: target), "a query wrote \(target)")
        // Strings, quoted names and dollar quotes may hold any word.
        let quoted = try ToolRunner.run(
            "wh-extract", ["--query-text", #"SELECT 'COPY; DELETE' AS "insert", $q$ DROP $q$ AS b, E'\\' AS c"#],
            environment: ["WH_SOURCE": url])
        XCTAssertEqual(quoted.stdout, #"{"insert":"COPY; DELETE","b":" DROP ","c":"\\"}"# + "\n", quoted.stderr)
    }

    /// What the lexer lets through still runs in a read-only transaction.
    func testTheReadOnlyTransactionIsStillTheSecondNet() throws {
        try TestServers.psql(url, "CREATE SEQUENCE IF NOT EXISTS wx_seq")
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT nextval('wx_seq')"], environment: ["WH_SOURCE": url])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("in a read-only transaction"), run.stderr)
    }

    /// A NUL byte ended the query where libpq reads it as a C string: the WHERE after it was lost.
    func testANulByteInTheQueryIsAnErrorNamingItsOffset() throws {
        let run = try ToolRunner.run(
            "wh-extract", ["--query", "-"], environment: ["WH_SOURCE": url],
            stdin: "SELECT 1 AS id WHERE 1 < 3\0 AND 1 > 100")
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(run.stdout, "")
        XCTAssertTrue(run.stderr.hasPrefix("wh-extract: query line 1: a NUL byte at byte offset 26"), run.stderr)
    }

    /// A fixed connect_timeout=10 overrode PGCONNECT_TIMEOUT: a server that never answers the
    /// startup packet (a loopback listener that reads and says nothing) held wh-extract 10 s.
    func testPGCONNECT_TIMEOUTIsHonoured() throws {
        let silent = try StubHTTPServer { _ in .init(200, "never reached: libpq speaks no HTTP") }
        let port = URLComponents(string: silent.url)?.port ?? 0
        let began = Date()
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT 1"],
            environment: ["WH_SOURCE": "postgresql://postgres@127.0.0.1:\(port)/dev", "PGCONNECT_TIMEOUT": "2"])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(began), 6, "PGCONNECT_TIMEOUT=2, not the fixed 10 s: \(run.stderr)")
        XCTAssertTrue(run.stderr.contains("connection failed"), run.stderr)
    }

    /// libpq's key=value strings and service names are sources too.
    func testLibpqKeywordConninfoConnects() throws {
        let (host, port, database) = TestServers.parts(of: url)
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT current_database() AS d"],
            environment: ["WH_SOURCE": "host=\(host) port=\(port) dbname=\(database) user=postgres"])
        XCTAssertEqual(run.stdout, "{\"d\":\"\(database)\"}\n", run.stderr)
    }

    func testUnknownVariableIsAConfigurationError() throws {
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT {{since}}"], environment: ["WH_SOURCE": url])
        XCTAssertEqual(run.status, 2)
        XCTAssertEqual(
            run.stderr,
            "wh-extract: query line 1: unknown variable '{{since}}' (the only variable is '{{last_sync_time}}')\n")
    }

    func testRefusedConnection() throws {
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT 1"],
            environment: ["WH_SOURCE": "postgresql://postgres@127.0.0.1:1/dev"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(
            run.stderr.hasPrefix("wh-extract: connection failed: host '127.0.0.1' port 1: Connection refused"),
            run.stderr)
        XCTAssertEqual(run.stderr.split(separator: "\n").count, 1)
    }

    func testWrongPasswordIsNeverPrinted() throws {
        try TestServers.psql(
            url,
            """
            DO $$ BEGIN CREATE ROLE wx_secret LOGIN PASSWORD 'Right-Pw-81' IN ROLE pw_required; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
            """)
        let wrong = "Wr0ng-S3cret-Pw"
        let withUser = url.replacingOccurrences(of: "postgres@", with: "wx_secret:\(wrong)@")
        for env in [
            ["WH_SOURCE": withUser],
            ["WH_SOURCE": url.replacingOccurrences(of: "postgres@", with: "wx_secret@"), "PGPASSWORD": wrong],
        ] {
            let run = try ToolRunner.run("wh-extract", ["--query-text", "SELECT 1"], environment: env)
            XCTAssertEqual(run.status, 1)
            XCTAssertTrue(run.stderr.contains("password authentication failed for user \"wx_secret\""), run.stderr)
            XCTAssertFalse(run.stderr.contains(wrong), run.stderr)
        }
        // No password at all: libpq's "fe_sendauth: no password supplied" named no setting to use.
        let none = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT 1"],
            environment: ["WH_SOURCE": url.replacingOccurrences(of: "postgres@", with: "wx_secret@"), "PGPASSWORD": ""])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(
            none.stderr.contains("set PGPASSWORD or PGPASSFILE, WH_PASSWORD, or pass --password-file FILE"), none.stderr
        )
        // argv is readable by every local user: a password there is refused, whatever its spelling.
        for source in [withUser, url + "?pass%77ord=\(wrong)", url + "?sslpassword=\(wrong)"] {
            let argv = try ToolRunner.run("wh-extract", ["--source", source, "--query-text", "SELECT 1"])
            XCTAssertEqual(argv.status, 2, argv.stderr)
            XCTAssertTrue(argv.stderr.contains("the source holds a secret"), argv.stderr)
            XCTAssertFalse(argv.stderr.contains(wrong), argv.stderr)
        }
        let passwordFile = NSTemporaryDirectory() + "wx-pw-\(UUID().uuidString)"
        try "Right-Pw-81\n".write(toFile: passwordFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: passwordFile) }
        let ok = try ToolRunner.run(
            "wh-extract", ["--password-file", passwordFile, "--query-text", "SELECT current_user AS u"],
            environment: ["WH_SOURCE": url.replacingOccurrences(of: "postgres@", with: "wx_secret@")])
        XCTAssertEqual(ok.stdout, "{\"u\":\"wx_secret\"}\n", ok.stderr)
    }

    func testClosedPipeIsNotAnError() throws {
        let fifoDir = NSTemporaryDirectory() + "wx-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: fifoDir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: fifoDir) }
        let script =
            "\"$0\" --query-text 'SELECT g FROM generate_series(1,2000000) g' | head -n 1; echo \"status "
            + "${PIPESTATUS[0]}\""
        let (_, text, err) = try Launcher.run(
            ["/bin/bash", "-c", script, ToolRunner.path(of: "wh-extract")],
            environment: ["WH_SOURCE": url, "PATH": "/usr/bin:/bin"], inherit: false)
        XCTAssertEqual(text, "{\"g\":1}\nstatus 0\n")
        XCTAssertEqual(err, "")
    }

    func testSIGINTCancelsTheQueryOnTheServer() throws {
        let marker = "wx_cancel_\(UInt32.random(in: 0...UInt32.max))"
        let started = Date()
        let url = url
        let running = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%\(marker)%' AND pid <> pg_backend_pid()"
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT pg_sleep(60) AS \(marker)"], environment: ["WH_SOURCE": url]
        ) { pid in
            // SIGINT once the server runs the query, so the cancel has something to cancel.
            DispatchQueue.global().async {
                Waits.until {
                    (try? TestServers.psql(url, running))?.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
                }
                kill(pid, SIGINT)
            }
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 20)
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stderr, "wh-extract: cancelled by SIGINT; the query was cancelled on the warehouse\n")
        let active = try TestServers.psql(
            url, "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%\(marker)%' AND pid <> pg_backend_pid()")
        XCTAssertEqual(active.trimmingCharacters(in: .whitespacesAndNewlines), "0")
    }

    /// 1M rows generated on the server must stream in flat memory.
    func testMillionRowsStayUnderAFixedRSSBound() throws {
        let stats = NSTemporaryDirectory() + "wx-stats-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: stats) }
        let run = try ToolRunner.run(
            "wh-extract",
            [
                "--query-text",
                "SELECT g AS id, 'user' || g || '@example.com' AS email, md5(g::text) AS name, now() AS ts FROM "
                    + "generate_series(1, 1000000) g",
                "--stats", stats,
            ], environment: ["WH_SOURCE": url], stdoutPath: "/dev/null", measureRSS: true)
        XCTAssertEqual(run.status, 0, run.stderr)
        let counts = try JSONValue.parse(
            String(contentsOfFile: stats, encoding: .utf8).trimmingCharacters(in: .newlines))
        XCTAssertEqual(counts.objectValue?["rows"], .number("1000000"))
        XCTAssertLessThan(run.maxRSSKilobytes, 64 * 1024, "peak RSS \(run.maxRSSKilobytes) KiB")
    }
}
