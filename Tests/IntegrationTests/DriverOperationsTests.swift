import Foundation
import JSONCodec
import XCTest

/// cv-sync left to cron or systemd: an empty environment, secrets from an env file, silence on
/// success, failures on stderr and to NOTIFY_URL; and what a run, `status`, `history` and
/// `errors` show, how a killed stage or driver is recorded, and what is cleaned up.
final class DriverOperationsTests: DriverTestCase {
    private var query: String {
        "SELECT id AS \"userId\", email, first_name FROM \(table) WHERE updated_at > to_timestamp({{last_sync_time}})"
    }
    private var script: String { SyncHome.repo.appendingPathComponent("scripts/cv-sync").path }

    private func writeEnvFile(mode: Int = 0o600, extra: [String] = []) throws {
        let path = "\(home)/cv-sync.env"
        try
            ([
                "# secrets for unattended runs", "CONVERSION_API_KEY=sk_test_env_file_key  # the key",
                "CONVERSION_API_URL='\(emulator.url)'",
            ] + extra).joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, mode_t(mode))
    }

    /// The command of `cv-sync schedule`'s crontab line, as cron hands it to /bin/sh.
    private func cronCommand(_ extra: [String] = []) throws -> String {
        let (_, out, _) = try cvSync(["schedule"] + extra)
        let line = try XCTUnwrap(out.split(separator: "\n").first { $0.hasPrefix("* * * * * ") })
        return String(line.dropFirst("* * * * * ".count)).replacingOccurrences(of: "\\%", with: "%")
    }

    /// Runs COMMAND the way cron does: /bin/sh, no environment at all, from another folder.
    private func underEmptyEnvironment(_ command: String) throws -> (Int32, String, String) {
        try PipelineTests.shell("cd / && env -i /bin/sh -c \(shellQuoted(command))")
    }

    private func shellQuoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// The crontab line works from an empty environment before any manual run: quiet on success,
    /// the failure on stderr, secrets from the env file and never in the output.
    func testTheCrontabLineRunsUnattended() throws {
        try writeSync("people", ["SOURCE=\(pg)", "TYPE=contacts", "SCHEDULE=15m"], query: query)
        try writeEnvFile()
        XCTAssertFalse(FileManager.default.fileExists(atPath: "\(home)/state"), "no manual run before")
        let command = try cronCommand()
        XCTAssertTrue(command.contains("--quiet"), command)
        let (status, out, err) = try underEmptyEnvironment(command)
        XCTAssertEqual(status, 0, err)
        XCTAssertEqual(out + err, "", "quiet on success")
        XCTAssertEqual(try history("people").last?["status"], .string("succeeded"))
        guard case .array(let stored)? = try HTTP.get(emulator.url + "/_emulator/contacts").json else {
            return XCTFail()
        }
        XCTAssertEqual(stored.count, 3)

        // A failing sync speaks up on stderr, so cron mails it; the good one stays quiet.
        try writeSync(
            "down", ["SOURCE=postgresql://postgres@127.0.0.1:1/dev", "TYPE=contacts", "SCHEDULE=15m"],
            query: "SELECT 1 AS \"userId\"")
        let (failed, failOut, failErr) = try underEmptyEnvironment(command)
        XCTAssertEqual(failed, 1, failErr)
        XCTAssertEqual(failOut, "")
        XCTAssertTrue(failErr.contains("down: failed in "), failErr)
        XCTAssertTrue(failErr.contains("connection failed"), failErr)
        XCTAssertFalse(failErr.contains("people"), "the sync that was not due says nothing: \(failErr)")
        XCTAssertFalse(failErr.contains("sk_test_env_file_key"))
        let log = try String(contentsOfFile: "\(home)/state/cv-sync.log", encoding: .utf8)
        XCTAssertTrue(log.contains("people: succeeded"), log)
        XCTAssertFalse(log.contains("sk_test_env_file_key"))
    }

    /// An env file others can read is refused; it is read as data, never run.
    func testTheEnvFileIsDataAndMustBePrivate() throws {
        try writeSync("people", ["SOURCE=\(pg)", "TYPE=contacts"], query: query)
        try writeEnvFile(mode: 0o644)
        let (_, _, open) = try cvSync(["run", "people"], status: 2)
        XCTAssertTrue(open.contains("can be read by others (mode 644)"), open)
        let marker = "\(home)/executed"
        try writeEnvFile(extra: ["NOTE=$(touch \(marker))", "OTHER=`touch \(marker)`"])
        let (status, _, err) = try underEmptyEnvironment(
            try cronCommand().replacingOccurrences(of: " due", with: " run people"))
        XCTAssertEqual(status, 0, err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: marker), "nothing in the env file is executed")
        try writeEnvFile(extra: ["DRY_RUN=1"])
        try cvSync(["run", "people"], status: 2)
        // --env-file names another file, which must exist.
        try cvSync(["--env-file", "\(home)/missing.env", "run", "people"], status: 2)
    }

    /// `schedule --systemd` prints a service whose command works from an empty environment.
    func testTheSystemdServiceRunsUnattended() throws {
        try writeSync("people", ["SOURCE=\(pg)", "TYPE=contacts", "SCHEDULE=1h"], query: query)
        try writeEnvFile()
        let (_, units, _) = try cvSync(["schedule", "--systemd"])
        XCTAssertTrue(units.contains("[Timer]\nOnCalendar=*-*-* *:*:00\nPersistent=true"), units)
        let lines = units.split(separator: "\n").map(String.init)
        let environment = try XCTUnwrap(lines.first { $0.hasPrefix("Environment=") }).dropFirst("Environment=".count)
        let exec = try XCTUnwrap(lines.first { $0.hasPrefix("ExecStart=") }).dropFirst("ExecStart=".count)
        // systemd's quoting of these two lines is the shell's for paths without '$' or '\'.
        let (status, out, err) = try underEmptyEnvironment("env \(environment) \(exec)")
        XCTAssertEqual(status, 0, err)
        XCTAssertEqual(out + err, "")
        XCTAssertEqual(try history("people").last?["status"], .string("succeeded"))
    }

    /// A failed run POSTs Slack-compatible JSON to NOTIFY_URL, retried, without the API key.
    func testAFailedRunNotifies() throws {
        let attempts = Counter()
        let hook = try StubHTTPServer { _ in
            attempts.increment() == 0 ? .init(503, "{}") : .init(200, "ok", headers: ["Content-Type": "text/plain"])
        }
        defer { hook.stop() }
        try writeSync(
            "down",
            [
                "SOURCE=postgresql://postgres@127.0.0.1:1/dev", "TYPE=contacts",
                "NOTIFY_URL=\(hook.url)/hooks/T0/B0/secret",
            ],
            query: "SELECT 1 AS \"userId\"")
        let (_, _, err) = try cvSync(["run", "down"], status: 1)
        XCTAssertFalse(err.contains("could not notify"), err)
        let requests = hook.requests
        XCTAssertEqual(requests.count, 2, "retried after a 503")
        let body = try XCTUnwrap(JSONValue.parse(requests.last?.body ?? "").objectValue)
        XCTAssertTrue(body["text"]?.stringValue?.contains("down: failed in ") ?? false, "\(body)")
        XCTAssertEqual(body["run"]?.objectValue?["status"], .string("failed"))
        XCTAssertEqual(requests.last?.path, "/hooks/T0/B0/secret")
        XCTAssertFalse(
            requests.contains {
                $0.body.contains("sk_test_driver_key")
                    || $0.headers.values.contains { $0.contains("sk_test_driver_key") }
            })
        // A success says nothing.
        try writeSync(
            "people", ["SOURCE=\(pg)", "TYPE=contacts", "NOTIFY_URL=\(hook.url)/hooks/T0/B0/secret"], query: query)
        try cvSync(["run", "people"])
        XCTAssertEqual(hook.requests.count, 2)
    }

    /// A run ends with one summary line; status, history and errors say what happened.
    func testWhatARunStatusHistoryAndErrorsShow() throws {
        try writeSync("people", ["SOURCE=\(pg)", "TYPE=contacts", "SCHEDULE=1h"], query: query)
        try TestServers.psql(pg, "INSERT INTO \(table) VALUES (4, 'not-an-email', 'Di', now() - interval '1 hour')")
        let (_, _, err) = try cvSync(["run", "people"])
        let summary = try XCTUnwrap(err.split(separator: "\n").last)
        XCTAssertTrue(summary.hasPrefix("cv-sync: people: partially_failed in "), String(summary))
        XCTAssertTrue(
            summary.contains(
                ": 4 rows, 3 sent, 3 succeeded, 1 failed, 0 duplicates, 0 unchanged; the errors: cv-sync errors people "
            ),
            String(summary))
        try writeSync(
            "down", ["SOURCE=postgresql://postgres@127.0.0.1:1/dev", "TYPE=contacts"], query: "SELECT 1 AS \"userId\"")
        try cvSync(["run", "down"], status: 1)
        try writeSync("never", ["SOURCE=\(pg)", "TYPE=contacts", "SCHEDULE=1d"], query: query)

        let (_, table, _) = try cvSync(["status"])
        let rows = table.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        }
        XCTAssertEqual(rows.first?.prefix(5), ["SYNC", "LAST_RUN", "STATUS", "AGE", "NEXT_DUE"])
        let people = try XCTUnwrap(rows.first { $0.first == "people" })
        XCTAssertEqual(people[2], "partially_failed")
        // Due an hour after the run's start: "1h" while less than a second has passed, "59m" after.
        XCTAssertEqual(people[4], "in", "\(people)")
        XCTAssertTrue(["59m", "1h"].contains(people[5]), "\(people)")
        XCTAssertEqual(rows.first { $0.first == "down" }?[2], "failed")
        XCTAssertEqual(rows.first { $0.first == "never" }?[1], "never")
        XCTAssertTrue(table.contains("connection failed"), table)

        // The failed run's error is in the history table and in `errors`, which has no rejects for it.
        let (_, history, _) = try cvSync(["history", "down"])
        XCTAssertTrue(history.split(separator: "\n").first?.hasSuffix("ERROR") ?? false, history)
        XCTAssertTrue(history.contains("connection failed"), history)
        let (_, rejects, errors) = try cvSync(["errors", "down"])
        XCTAssertEqual(rejects, "")
        XCTAssertTrue(
            errors.contains("failed: wh-extract: connection failed") || errors.contains("failed: connection failed"),
            errors)
        // Lines are shown by start, whenever they were written.
        let file = "\(home)/state/people/history.ndjson"
        let early =
            #"{"run": "20200101T000000.000000000Z-1", "start": "2020-01-01T00:00:00Z", "status": "interrupted"}"#
        try (String(contentsOfFile: file, encoding: .utf8) + early + "\n").write(
            toFile: file, atomically: true, encoding: .utf8)
        let (_, json, _) = try cvSync(["history", "people", "--json"])
        XCTAssertTrue(json.hasPrefix(#"{"run":"20200101T000000.000000000Z-1""#), json)
    }

    /// On a terminal a run shows its progress; off one, only the summary line.
    func testProgressOnATerminalAndOnlyTheSummaryOffIt() throws {
        try TestServers.psql(
            pg,
            "INSERT INTO \(table) SELECT g, 'u' || g || '@x.com', 'N', now() - interval '1 hour' FROM "
                + "generate_series(10, 21) g"
        )
        try writeSync("people", ["SOURCE=\(pg)", "TYPE=contacts", "BATCH_SIZE=1", "RATE=5"], query: query)
        // script(1) gives the driver a pseudo-terminal.
        let command =
            "CV_SYNC_HOME='\(home)' CV_BIN='\(ToolRunner.binDirectory.path)' CONVERSION_API_URL='\(emulator.url)' "
            + "CONVERSION_API_KEY=sk_test_driver_key '\(script)' run people"
        let (status, screen, err) = try PipelineTests.shell("script -qec \(shellQuoted(command)) /dev/null")
        XCTAssertEqual(status, 0, err)
        XCTAssertTrue(screen.contains(" acknowledged ("), screen)
        XCTAssertTrue(screen.contains("people: run "), screen)
        XCTAssertTrue(screen.contains("people: succeeded in "), screen)
        try TestServers.psql(pg, "UPDATE \(table) SET first_name = 'M', updated_at = now() WHERE id = 1")
        let (_, out, plain) = try cvSync(["run", "people"])
        XCTAssertEqual(out, "")
        XCTAssertEqual(plain.split(separator: "\n").count, 1, plain)
        XCTAssertTrue(plain.hasPrefix("cv-sync: people: succeeded in "), plain)
    }

    /// A run loads its sync file once. Each load asks wh-extract to check SOURCE, a process of
    /// its own, and a run loaded it three times (checked, loaded again, loaded by the run).
    func testARunLoadsItsSyncFileOnce() throws {
        let bin = home + "/logged-bin"
        let log = home + "/wh-extract.calls"
        try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
        for tool in ["cv-map", "cv-dedupe", "cv-load", "cv-run"] {
            try FileManager.default.createSymbolicLink(
                atPath: "\(bin)/\(tool)", withDestinationPath: ToolRunner.binDirectory.path + "/" + tool)
        }
        let real = ToolRunner.binDirectory.path + "/wh-extract"
        try "#!/bin/sh\necho \"$1\" >>'\(log)'\nexec '\(real)' \"$@\"\n".write(
            toFile: "\(bin)/wh-extract", atomically: true, encoding: .utf8)
        chmod("\(bin)/wh-extract", 0o755)
        try writeSync("people", ["SOURCE=\(pg)", "TYPE=contacts"], query: query)
        sync.environment["CV_BIN"] = bin
        try cvSync(["run", "people"])
        let calls = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(calls.filter { $0 == "--check-source" }.count, 1, "\(calls)")
        XCTAssertEqual(calls.count, 2, "\(calls)")
        XCTAssertEqual(try history("people").last?["status"], .string("succeeded"))
    }

    /// A stage killed by a signal is recorded with that cause.
    func testAStageKilledByASignalIsRecordedWithTheCause() throws {
        try TestServers.psql(
            pg,
            "INSERT INTO \(table) SELECT g, 'u' || g || '@x.com', 'N', now() - interval '1 hour' FROM "
                + "generate_series(10, 49) g"
        )
        try writeSync("people", ["SOURCE=\(pg)", "TYPE=contacts", "BATCH_SIZE=1", "RATE=5"], query: query)
        let driver = try startDriver(["run", "people"])
        try waitForContacts(3)
        let killed = try PipelineTests.shell("pkill -KILL -f '[c]v-load --acks \(home)/state/people'")
        XCTAssertEqual(killed.0, 0, "cv-load was running")
        XCTAssertEqual(driver.wait(), 1)
        let run = try history("people").last ?? [:]
        XCTAssertEqual(run["status"], .string("failed"))
        XCTAssertEqual(run["error"], .string("cv-load was killed by SIGKILL"), "\(run)")
    }

    /// A driver killed with SIGKILL takes its stages with it; the next run records it as interrupted.
    func testStagesDoNotOutliveAKilledDriver() throws {
        try TestServers.psql(
            pg,
            "INSERT INTO \(table) SELECT g, 'u' || g || '@x.com', 'N', now() - interval '1 hour' FROM "
                + "generate_series(10, 49) g"
        )
        try writeSync("people", ["SOURCE=\(pg)", "TYPE=contacts", "BATCH_SIZE=1", "RATE=5"], query: query)
        let driver = try startDriver(["run", "people"])
        try waitForContacts(3)
        driver.signal(SIGKILL)
        driver.wait()
        var left = ""
        try Waits.until(timeout: 5) {
            left = try PipelineTests.shell("pgrep -fa '\(home)/[s]tate/people' || true").1
            return left.isEmpty
        }
        XCTAssertEqual(left, "", "a stage outlived its driver")
        // With no stage left, what the emulator has not yet read or handled is all that can still
        // arrive: once it has no client connection open and nothing in hand, nothing more comes.
        var activity: JSONObject = [:]
        let settled = try Waits.until(timeout: 10) {
            activity = try HTTP.get(emulator.url + "/_emulator/activity").json?.objectValue ?? [:]
            return activity["connections"] == .number("0") && activity["handling"] == .number("0")
        }
        XCTAssertTrue(settled, "the emulator still holds a connection of a killed stage: \(activity)")
        try writeSync("people", ["SOURCE=\(pg)", "TYPE=contacts"], query: query)
        try cvSync(["run", "people"])
        let runs = try history("people")
        XCTAssertEqual(runs.first?["status"], .string("interrupted"), "\(runs)")
        XCTAssertNotNil(runs.first?["start"])
    }

    /// Only the newest KEEP_RUNS run folders stay; a killed run's spill folder goes at the next run.
    func testOldRunsAndDeadSpillFoldersAreRemoved() throws {
        try writeSync("people", ["SOURCE=\(pg)", "TYPE=contacts", "KEEP_RUNS=2"], query: query)
        let dead = "\(home)/state/people/dedupe.db.work.999999999"
        for i in 0..<4 {
            if i == 2 {
                try FileManager.default.createDirectory(atPath: dead + "/0", withIntermediateDirectories: true)
            }
            try cvSync(["run", "people"])
        }
        let runs = try FileManager.default.contentsOfDirectory(atPath: "\(home)/state/people/runs").sorted()
        XCTAssertEqual(runs.count, 2, "\(runs)")
        XCTAssertEqual(runs.last, try history("people").last?["run"]?.stringValue)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dead))
        XCTAssertEqual(try history("people").count, 4, "the history keeps every run")
    }

    /// The error of a failed stage is its message, not ArgumentParser's usage lines.
    func testAFailedStageIsSummarisedByItsError() throws {
        let dir = NSTemporaryDirectory() + "first-error-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "extract 0\nmap 0\ndedupe 0\nload 64\n".write(
            toFile: dir + "/exit-status", atomically: true, encoding: .utf8)
        try """
        cv-load: Error: The value '0' is invalid for '--max-attempts <max-attempts>'
        cv-load: Help:  --max-attempts <max-attempts>  Attempts per request.
        cv-load: Usage: cv-load [--api-url <api-url>] [--max-attempts <max-attempts>]
        cv-load:   See 'cv-load --help' for more information.

        """.write(toFile: dir + "/load.log", atomically: true, encoding: .utf8)
        let lib = SyncHome.repo.appendingPathComponent("scripts/lib/run.sh").path
        let (_, out, err) = try PipelineTests.shell("QUIET=0; . '\(lib)'; first_error '\(dir)'")
        XCTAssertEqual(out, "cv-load: Error: The value '0' is invalid for '--max-attempts <max-attempts>'\n", err)
    }
}
