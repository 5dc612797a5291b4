import Foundation
import JSONCodec
import XCTest

/// The run record that cv-run keeps for the driver (issue #25's cases, each reproduced on the
/// bash bookkeeping before it): a whole process group stopped, clocks that step, pruned runs,
/// one alert per problem, status for machines, and the papercuts a newcomer met.
final class DriverRunRecordTests: DriverTestCase {
    private let faketime = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"

    private func contacts(_ extra: [String] = []) throws {
        try writeSync(
            "people", ["SOURCE=\(pg)", "TYPE=contacts"] + extra,
            query:
                "SELECT id AS \"userId\", email, first_name FROM \(table) WHERE updated_at > "
                + "to_timestamp({{last_sync_time}} - 300)")
    }

    /// What systemctl stop, TimeoutStopSec, a hangup and `kill -- -PGID` send: the signal to
    /// every process of the group at once. The driver exited 1 at once with no history line
    /// (its pkill found no stage left, under set -e); now the run is cancelled and recorded, and
    /// the line the signal cut is not a reject.
    func testStoppingTheWholeProcessGroupRecordsACancelledRun() throws {
        try TestServers.psql(
            pg,
            "INSERT INTO \(table) SELECT g, 'u' || g || '@x.com', 'N', now() - interval '1 hour' FROM "
                + "generate_series(10, 59) g")
        try contacts(["BATCH_SIZE=1", "RATE=5"])
        for (signal, status) in [(SIGTERM, Int32(143)), (SIGHUP, Int32(129))] {
            let driver = try Launcher.start(
                [
                    "setsid", "/bin/bash", "-c",
                    "exec '\(SyncHome.repo.appendingPathComponent("scripts/cv-sync").path)' run people",
                ],
                environment: [
                    "CV_SYNC_HOME": home, "CV_BIN": ToolRunner.binDirectory.path, "CONVERSION_API_URL": emulator.url,
                    "CONVERSION_API_KEY": "sk_test_driver_key",
                ])
            XCTAssertTrue(
                try Waits.until {
                    FileManager.default.fileExists(atPath: "\(self.home)/state/people/dedupe.db.pending")
                        && (try? String(contentsOfFile: "\(self.home)/state/people/lock")) != nil
                        && ((try? FileManager.default.contentsOfDirectory(atPath: "\(self.home)/state/people/runs"))?
                            .isEmpty == false)
                })
            Thread.sleep(forTimeInterval: 0.5)
            kill(-driver.pid, signal)
            XCTAssertEqual(driver.wait(), status, driver.stderr)
            let run = try XCTUnwrap(history("people").last)
            XCTAssertEqual(run["status"], .string("cancelled"), driver.stderr)
            let rejects =
                (try? String(
                    contentsOfFile: "\(home)/state/people/runs/\(run["run"]?.stringValue ?? "")/rejects.ndjson",
                    encoding: .utf8)) ?? ""
            XCTAssertFalse(rejects.contains("invalid_record"), "the line the signal cut is not a reject: \(rejects)")
            XCTAssertFalse(driver.stderr.contains("Broken pipe"), driver.stderr)
        }
    }

    /// After the clock stepped back a day, KEEP_RUNS=2 deleted each new run's folder at the end
    /// of that run, and `errors` said "no errors" for a run that had rejects.
    func testAClockSteppedBackNeitherPrunesNewRunsNorHidesTheirErrors() throws {
        try contacts(["KEEP_RUNS=2"])
        try cvSync(["run", "people"])
        try cvSync(["run", "people"])
        try TestServers.psql(
            pg,
            "INSERT INTO \(table) VALUES (7, 'not-an-email', 'X', now()); "
                + "UPDATE \(table) SET first_name = 'Changed', updated_at = now() WHERE id = 1")
        sync.environment["LD_PRELOAD"] = faketime
        sync.environment["FAKETIME"] = "-1d"
        try cvSync(["run", "people"])
        let newest = try XCTUnwrap(history("people").last?["run"]?.stringValue)
        XCTAssertTrue(
            FileManager.default.fileExists(atPath: "\(home)/state/people/runs/\(newest)"), "the newest run was pruned")
        let (_, rejects, summary) = try cvSync(["errors", "people"])
        XCTAssertTrue(rejects.contains("invalid_email"), summary)
        XCTAssertTrue(summary.contains("run \(newest): 1 rejects"), summary)
    }

    /// `errors` on a run KEEP_RUNS removed said "no errors"; it says it was pruned, with its
    /// counts from the history and where its retryable records are.
    func testAPrunedRunIsSaidToBePruned() throws {
        try TestServers.psql(
            pg, "INSERT INTO \(table) VALUES (7, 'not-an-email', 'X', now() - interval '1 hour')")
        try contacts(["KEEP_RUNS=1"])
        try cvSync(["run", "people"])
        let first = try XCTUnwrap(history("people").last?["run"]?.stringValue)
        try cvSync(["run", "people"])
        let (_, out, err) = try cvSync(["errors", "people", first])
        XCTAssertEqual(out, "")
        XCTAssertTrue(err.contains("run \(first) was pruned (KEEP_RUNS)"), err)
        XCTAssertTrue(err.contains("with 1 rejects (1 invalid_email)"), err)
        XCTAssertTrue(err.contains("retry queue"), err)
        let (_, _, retry) = try cvSync(["retry", "people", first])
        XCTAssertTrue(retry.contains("was pruned"), retry)
    }

    /// A day ahead once (a `due` while the clock was wrong), the hourly sync ran 0 times in the
    /// next 3 `due`s and status showed an age of -86398s.
    func testALastStartInTheFutureDoesNotStallTheSchedule() throws {
        try contacts(["SCHEDULE=1h"])
        sync.environment["LD_PRELOAD"] = faketime
        sync.environment["FAKETIME"] = "+1d"
        try cvSync(["due"])
        sync.environment["LD_PRELOAD"] = nil
        sync.environment["FAKETIME"] = nil
        try cvSync(["due"])
        XCTAssertEqual(try history("people").count, 2, "the clock came back: due at once, not in a day")
        XCTAssertEqual(try history("people").last?["status"], .string("succeeded"))
        try cvSync(["due"])
        XCTAssertEqual(try history("people").count, 2, "then hourly again")
        let (_, json, _) = try cvSync(["status", "--json"])
        let status = try XCTUnwrap(JSONValue.parse(json).objectValue)
        XCTAssertEqual(status["sync"], .string("people"))
        XCTAssertEqual(status["lastRun"]?.objectValue?["status"], .string("succeeded"))
        XCTAssertNotNil(status["nextDue"]?.stringValue)
        let row = try cvSync(["status"]).1.split(separator: "\n").last?.split(separator: " ").map(String.init) ?? []
        XCTAssertEqual(row.count >= 4 ? row[3].first?.isNumber : false, true, "an age, not a negative one: \(row)")
    }

    /// A run that failed for a reason outside its rows waited the whole interval; `due` now
    /// tries it again after a minute, then 2, 4 … and says when.
    func testAFailedScheduledRunIsTriedAgainSoon() throws {
        try contacts(["SCHEDULE=1d", "MAX_ATTEMPTS=1"])
        _ = try HTTP.post(emulator.url + "/_emulator/faults", #"{"errorRate":1}"#)
        try cvSync(["due"], status: 1)
        try cvSync(["due"])
        XCTAssertEqual(try history("people").count, 1, "not before a minute")
        XCTAssertTrue(try cvSync(["schedule"]).1.contains("1 failed run: tried again 1m after the last start"))
        _ = try HTTP.post(emulator.url + "/_emulator/faults", #"{"errorRate":0}"#)
        sync.environment["LD_PRELOAD"] = faketime
        sync.environment["FAKETIME"] = "+61"
        try cvSync(["due"])
        XCTAssertEqual(try history("people").map { $0["status"] }, [.string("failed"), .string("succeeded")])
    }

    /// One hopeless record alerted 10 runs in a row, and a broken sync file under the
    /// every-minute `due` wrote a history line and an alert each minute. Now: one alert when a
    /// problem starts, one when it ends, and the text names the cause.
    func testOneAlertPerProblem() throws {
        let hook = try StubHTTPServer { _ in .init(200, "ok") }
        // Two events for contacts that exist, one for a contact that never will (yet): it is
        // refused as contact_not_found and queued, and every run refuses it again.
        try writeSync(
            "orders", ["SOURCE=\(pg)", "TYPE=events", "SCHEDULE=1h", "NOTIFY_URL=\(hook.url)/hook"],
            query: """
                SELECT u AS "userId", 'signup' AS event_name, now() - interval '1 hour' AS timestamp, 'e-' || u AS "eventId"
                FROM unnest(ARRAY['1', '2', 'ghost']) AS u WHERE {{last_sync_time}} >= 0
                """)
        try contacts()
        try cvSync(["run", "people"])
        for _ in 1...3 { try cvSync(["--quiet", "run", "orders"]) }
        XCTAssertEqual(
            try history("orders").map { $0["status"] }, Array(repeating: .string("partially_failed"), count: 3))
        XCTAssertEqual(hook.requests.count, 1, "one problem, one alert")
        _ = try HTTP.post(emulator.url + "/v2/contacts", #"{"email":"ghost@x.com","userId":"ghost"}"#)
        let (_, _, quiet) = try cvSync(["--quiet", "run", "orders"])
        XCTAssertEqual(hook.requests.count, 2)
        XCTAssertTrue(hook.requests.last?.body.contains("(recovered)") ?? false, hook.requests.last?.body ?? "")
        XCTAssertTrue(quiet.contains("recovered"), quiet)
        try cvSync(["--quiet", "run", "orders"])
        XCTAssertEqual(hook.requests.count, 2, "healthy again: nothing to say")
        // The API down: the alert says why, not only a count.
        try sync.writeSync(
            "orders", ["SOURCE=\(pg)", "TYPE=events", "SCHEDULE=1h", "NOTIFY_URL=\(hook.url)/hook", "MAX_ATTEMPTS=1"],
            query: """
                SELECT u AS "userId", 'signup' AS event_name, now() - interval '1 hour' AS timestamp, 'e-' || u AS "eventId"
                FROM unnest(ARRAY['1', '2', 'ghost', '3']) AS u WHERE {{last_sync_time}} >= 0
                """)
        _ = try HTTP.post(emulator.url + "/_emulator/faults", #"{"errorRate":1,"errorStatus":503}"#)
        try cvSync(["--quiet", "run", "orders"], status: 1)
        XCTAssertEqual(hook.requests.count, 3)
        let down = hook.requests.last?.body ?? ""
        XCTAssertTrue(down.contains("(cause: http_503: injected failure"), down)
        _ = try HTTP.post(emulator.url + "/_emulator/faults", #"{"errorRate":0}"#)
        // A broken sync file under the every-minute due: one line, one alert (to the environment's
        // NOTIFY_URL: nothing of a file that does not parse is used).
        sync.environment["NOTIFY_URL"] = "\(hook.url)/hook"
        try "SOURCE=\(pg)\nTYPE=event\nQUERY=orders.sql\nNOTIFY_URL=\(hook.url)/hook\n".write(
            toFile: "\(home)/syncs/orders.sync", atomically: true, encoding: .utf8)
        try FileManager.default.removeItem(atPath: "\(home)/syncs/people.sync")
        let before = try history("orders").count
        var stderrs: [String] = []
        for _ in 1...3 { stderrs.append(try cvSync(["--quiet", "due"], status: 2).2) }
        XCTAssertEqual(try history("orders").count, before + 1)
        XCTAssertEqual(hook.requests.count, 4)
        XCTAssertTrue(stderrs[0].contains("not run"), stderrs[0])
        XCTAssertEqual(stderrs[1], "", "said once")
    }

    /// Ctrl-C on a terminal: the kernel signals the terminal's whole foreground group. The
    /// driver printed "echo: write error: Broken pipe" and a stray "Terminated" after its
    /// progress line; it now says it stopped the stages, records the run as cancelled, exits 130.
    func testCtrlCOnATerminalStopsTheRunCleanly() throws {
        try TestServers.psql(
            pg,
            "INSERT INTO \(table) SELECT g, 'u' || g || '@x.com', 'N', now() - interval '1 hour' FROM "
                + "generate_series(10, 59) g")
        try contacts(["BATCH_SIZE=1", "RATE=5"])
        let screen = home + "/screen.txt"
        let command =
            "CV_SYNC_HOME='\(home)' CV_BIN='\(ToolRunner.binDirectory.path)' CONVERSION_API_URL='\(emulator.url)' "
            + "CONVERSION_API_KEY=sk_test_driver_key '\(SyncHome.repo.appendingPathComponent("scripts/cv-sync").path)' "
            + "run people"
        // script(1) runs the driver on a new pty and returns its exit status.
        let terminal = try Launcher.start(["script", "-qfec", command, screen], environment: [:])
        try waitForContacts(2)
        Thread.sleep(forTimeInterval: 1.5)
        // The pty's foreground group is the driver's: a keyboard Ctrl-C sends SIGINT to all of it.
        let group = try PipelineTests.shell(
            "ps -o tpgid= -p $(pgrep -f '^bash .*scripts/cv-sync run people$' | head -n 1) | tr -d ' '"
        ).1
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pgid = Int32(group), pgid > 1 else { return XCTFail("no foreground group: '\(group)'") }
        kill(-pgid, SIGINT)
        XCTAssertEqual(terminal.wait(), 130, (try? String(contentsOfFile: screen, encoding: .utf8)) ?? "")
        let shown = try String(contentsOfFile: screen, encoding: .utf8)
        XCTAssertTrue(shown.contains("SIGINT received: stopping the running stages"), shown)
        XCTAssertTrue(shown.contains("people: cancelled in "), shown)
        XCTAssertFalse(shown.contains("Broken pipe"), shown)
        XCTAssertFalse(shown.contains("Terminated"), shown)
        XCTAssertEqual(try history("people").last?["status"], .string("cancelled"))
    }

    /// A wrong endpoint cost a whole extract, said "N sent", and queued every record. One real
    /// request before extraction finds it, and a missing object type too; nothing is read.
    func testWhatARunCannotFixFailsItBeforeExtraction() throws {
        let page = try StubHTTPServer { _ in
            .init(404, "<html>Not Found</html>", headers: ["Content-Type": "text/html"])
        }
        try contacts(["API_URL=\(page.url)"])
        let (_, _, err) = try cvSync(["run", "people"], status: 1)
        XCTAssertTrue(err.contains("not the Conversion API, or not working (HTTP 404)"), err)
        let run = try XCTUnwrap(history("people").last)
        XCTAssertEqual(run["rowsExtracted"], .number("0"))
        XCTAssertEqual(run["retryQueueSize"], .number("0"))
        XCTAssertEqual(page.requests.count, 1, "one request, the check")
        try #"{"objects": {"plan": {"fields": {"tier": "string"}}}}"#.write(
            toFile: "\(home)/syncs/plans.json", atomically: true, encoding: .utf8)
        try writeSync(
            "plans", ["SOURCE=\(pg)", "TYPE=objects", "OBJECT_TYPE=plan", "SCHEMA=plans.json"],
            query: "SELECT 'p1' AS id WHERE {{last_sync_time}} >= 0")
        let (_, _, missing) = try cvSync(["run", "plans"], status: 1)
        XCTAssertTrue(missing.contains("the workspace has no object type 'plan'"), missing)
        XCTAssertEqual(try history("plans").last?["rowsExtracted"], .number("0"))
        // The API down for a moment is not such a failure: the run goes on and queues.
        _ = try HTTP.post(emulator.url + "/_emulator/faults", #"{"errorRate":1,"errorStatus":503}"#)
        try contacts(["MAX_ATTEMPTS=1"])
        try cvSync(["run", "people"], status: 1)
        XCTAssertEqual(try history("people").last?["rowsExtracted"], .number("3"))
        XCTAssertEqual(try history("people").last?["retryQueueSize"], .number("3"))
    }

    /// METRICS_FILE is rewritten after every run in the Prometheus text format, which a real
    /// parser (prometheus-client's) reads: per sync, the last run and totals that only grow.
    func testEveryRunWritesTheMetricsFile() throws {
        guard let python = ProcessInfo.processInfo.environment["CV_TEST_PYTHON"] else {
            if ProcessInfo.processInfo.environment["CV_REQUIRE_SERVERS"] == "1" { XCTFail("CV_TEST_PYTHON is not set") }
            throw XCTSkip("no CV_TEST_PYTHON with prometheus-client: run the suite with scripts/test")
        }
        let metrics = home + "/cv-sync.prom"
        sync.environment["METRICS_FILE"] = metrics
        try TestServers.psql(pg, "INSERT INTO \(table) VALUES (7, 'not-an-email', 'X', now() - interval '1 hour')")
        try contacts()
        try cvSync(["run", "people"])
        try cvSync(["run", "people"])
        let parse = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    print(family.type, s.name, ",".join(f"{k}={v}" for k, v in sorted(s.labels.items())), int(s.value))
            """
        let (status, out, err) = try PipelineTests.shell(
            "'\(python)' -c '\(parse.replacingOccurrences(of: "'", with: "'\\''"))' '\(metrics)'")
        XCTAssertEqual(status, 0, err)
        let samples = Set(out.split(separator: "\n").map(String.init))
        for expected in [
            "gauge cv_sync_last_run_status status=partially_failed,sync=people 0",
            "gauge cv_sync_last_run_status status=succeeded,sync=people 1",
            "gauge cv_sync_last_run_rows sync=people 0",
            "counter cv_sync_runs_total status=partially_failed,sync=people 1",
            "counter cv_sync_runs_total status=succeeded,sync=people 1",
            "counter cv_sync_rows_total sync=people 4", "counter cv_sync_records_succeeded_total sync=people 3",
            "counter cv_sync_records_failed_total sync=people 1", "gauge cv_sync_retry_queue_size sync=people 0",
        ] {
            XCTAssertTrue(samples.contains(expected), "\(expected) in:\n\(out)")
        }
        XCTAssertTrue(out.contains("gauge cv_sync_last_success_timestamp_seconds sync=people "), out)
        XCTAssertEqual(try cvSync(["metrics"]).1, try String(contentsOfFile: metrics, encoding: .utf8))
    }

    /// A stopped stage (SIGSTOP, a hung socket) held the lock forever. STALL_TIMEOUT stops a
    /// run that made no progress for that long, with that reason, and frees the lock.
    func testAStalledRunIsStoppedWithItsReason() throws {
        try TestServers.psql(
            pg,
            "INSERT INTO \(table) SELECT g, 'u' || g || '@x.com', 'N', now() - interval '1 hour' FROM "
                + "generate_series(10, 59) g")
        try contacts(["BATCH_SIZE=1", "RATE=5", "STALL_TIMEOUT=3"])
        let driver = try startDriver(["run", "people"])
        try waitForContacts(2)
        let stopped = try PipelineTests.shell("pkill -STOP -f '[c]v-load --acks \(home)/state/people/'")
        XCTAssertEqual(stopped.0, 0, "cv-load was running")
        let began = Date()
        XCTAssertEqual(driver.wait(), 1, driver.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(began), 20, "stopped after about STALL_TIMEOUT")
        let run = try XCTUnwrap(history("people").last)
        XCTAssertEqual(run["status"], .string("failed"))
        XCTAssertTrue(
            run["error"]?.stringValue?.hasPrefix("stalled: no progress for 3s (STALL_TIMEOUT)") ?? false, "\(run)")
        XCTAssertEqual(try PipelineTests.shell("pgrep -f '\(home)/[s]tate/people' || true").1, "", "no stage is left")
        try contacts()
        try cvSync(["run", "people"])
        XCTAssertEqual(try history("people").last?["status"], .string("succeeded"), "the lock is free")
    }

    /// runs/*/extract.log was always empty off a terminal, and no log line said when it was written.
    func testTheRunsLogsSayWhatHappenedAndWhen() throws {
        try contacts()
        try cvSync(["run", "people"])
        let run = try XCTUnwrap(history("people").last?["run"]?.stringValue)
        let extract = try String(contentsOfFile: "\(home)/state/people/runs/\(run)/extract.log", encoding: .utf8)
        XCTAssertNotNil(
            extract.range(
                of: #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z wh-extract: 3 rows in "#, options: .regularExpression),
            extract)
        let load = try String(contentsOfFile: "\(home)/state/people/runs/\(run)/load.log", encoding: .utf8)
        XCTAssertNotNil(load.range(of: #"^\d{4}-\d{2}-\d{2}T[0-9:]{8}Z cv-load: "#, options: .regularExpression), load)
        let (_, version, _) = try cvSync(["--version"])
        XCTAssertNotNil(version.range(of: #"^cv-sync 0\.1\.0 \(\S+\)\n$"#, options: .regularExpression), version)
    }

    /// check said a sample row was rejected but not why, and never tried NOTIFY_URL.
    func testCheckSaysWhyAndTriesTheWebhook() throws {
        let hook = try StubHTTPServer { request in request.path == "/hook" ? .init(200, "ok") : .init(404, "no") }
        try TestServers.psql(pg, "INSERT INTO \(table) VALUES (7, 'not-an-email', 'X', now() - interval '1 hour')")
        try contacts(["NOTIFY_URL=\(hook.url)/hook"])
        let (_, _, err) = try cvSync(["check", "people"])
        XCTAssertTrue(err.contains("the sample maps: 3 records, 1 rejected"), err)
        XCTAssertTrue(err.contains("1 invalid_email, e.g. column 'email': \"not-an-email\" is not a valid email"), err)
        XCTAssertTrue(err.contains("NOTIFY_URL took a test message"), err)
        XCTAssertTrue(hook.requests.last?.body.contains("NOTIFY_URL works") ?? false)
        try contacts(["NOTIFY_URL=\(hook.url)/wrong"])
        let (_, _, wrong) = try cvSync(["check", "people"], status: 1)
        XCTAssertTrue(wrong.contains("NOTIFY_URL did not take a test message"), wrong)
    }

    /// `cv-sync report` writes one page a browser shows with no network: a chart per sync.
    func testTheReportRendersInABrowserWithNoNetwork() throws {
        guard
            let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first(where: {
                FileManager.default.isExecutableFile(atPath: $0)
            })
        else {
            if ProcessInfo.processInfo.environment["CV_REQUIRE_SERVERS"] == "1" { XCTFail("chromium is not installed") }
            throw XCTSkip("no chromium: scripts/setup installs it")
        }
        try TestServers.psql(pg, "INSERT INTO \(table) VALUES (7, 'not-an-email', 'X', now() - interval '1 hour')")
        try contacts()
        try writeSync("orders", ["SOURCE=\(pg)", "TYPE=events"], query: "SELECT 1 AS \"userId\" WHERE false")
        try cvSync(["run", "people"])
        try cvSync(["run", "people"])
        try cvSync(["run", "orders"], status: nil)
        let page = home + "/report.html"
        try cvSync(["report", page])
        let html = try String(contentsOfFile: page, encoding: .utf8)
        XCTAssertEqual(html.components(separatedBy: "<svg class=\"runs\"").count - 1, 2, "one chart per sync")
        XCTAssertTrue(html.contains("invalid_email"), "the reject code")
        XCTAssertTrue(html.contains("is not a valid email address"), "with an example")
        XCTAssertNil(html.range(of: #"(src|href)="https?:"#, options: .regularExpression), "nothing to fetch")
        // A headless browser with every network request refused renders it to a screenshot.
        let shot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/test-output/report.png").path
        try FileManager.default.createDirectory(
            atPath: (shot as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try? FileManager.default.removeItem(atPath: shot)
        let (status, _, err) = try PipelineTests.shell(
            "timeout 60 '\(chromium)' --headless --no-sandbox --disable-gpu --no-first-run "
                + "--proxy-server=127.0.0.1:9 --host-resolver-rules='MAP * ~NOTFOUND' --window-size=900,900 "
                + "--user-data-dir='\(home)/chromium' --screenshot='\(shot)' 'file://\(page)'",
            environment: ["HOME": home])
        XCTAssertEqual(status, 0, err)
        let size = (try? FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int) ?? 0
        XCTAssertGreaterThan(size ?? 0, 10_000, "a screenshot of the page in \(shot)")
    }

    /// The papercuts a newcomer met, each reproduced.
    func testTheCommandLineSaysWhatIsWrong() throws {
        let (_, _, typo) = try cvSync(["stauts"], status: 2)
        XCTAssertEqual(typo, "cv-sync: unknown command 'stauts' (did you mean 'status'?); see 'cv-sync --help'\n")
        try contacts()
        try cvSync(["run", "people.sync"])
        XCTAssertEqual(try history("people").count, 1)
        let garbage = home + "/garbage.ndjson"
        try "this is not json\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        let (_, _, replay) = try cvSync(["replay", "people", garbage], status: 2)
        XCTAssertTrue(replay.contains("garbage.ndjson:1: invalid JSON"), replay)
        let empty = NSTemporaryDirectory() + "empty-home-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        for command in ["due", "schedule", "status"] {
            let (status, _, err) = try PipelineTests.shell(
                "CV_SYNC_HOME='\(empty)' CV_BIN='\(ToolRunner.binDirectory.path)' "
                    + "'\(SyncHome.repo.appendingPathComponent("scripts/cv-sync").path)' \(command)")
            XCTAssertEqual(status, 2, command)
            XCTAssertTrue(err.contains("no syncs/ folder in \(empty)"), err)
        }
    }

    /// A failing check left up to 200 sample rows in the temporary folder (its cleanup was a
    /// RETURN trap, which `exit` skips).
    func testAFailingCheckLeavesNothingBehind() throws {
        let temp = NSTemporaryDirectory() + "check-tmp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: temp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: temp) }
        try contacts()
        sync.environment["TMPDIR"] = temp
        sync.environment["CONVERSION_API_KEY"] = ""
        try cvSync(["check", "people"], status: 2)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: temp), [])
    }

    /// A disk that filled up after the commit left a bare `failed`. Now the run names the full
    /// disk, last_sync_time keeps its value (so the rows are extracted again), and once there is
    /// room the next run sends nothing twice: the commit before the disk filled holds.
    func testAFullDiskAfterTheCommitIsNamed() throws {
        guard getuid() == 0 else { throw XCTSkip("a small tmpfs to fill needs root (CI runs as root)") }
        let state = "\(home)/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        XCTAssertEqual(try PipelineTests.shell("mount -t tmpfs -o size=8m tmpfs '\(state)'").0, 0)
        defer { _ = try? PipelineTests.shell("umount -l '\(state)'") }
        // The tools, with cv-dedupe's commit followed by a disk that fills up.
        let bin = "\(home)/bin"
        let real = ToolRunner.binDirectory.path
        XCTAssertEqual(
            try PipelineTests.shell(
                """
                mkdir '\(bin)' && for t in '\(real)'/*; do [ -x "$t" ] && [ -f "$t" ] && ln -s "$t" '\(bin)'/; done
                rm '\(bin)/cv-dedupe'
                printf '%s\\n' '#!/bin/bash' '"\(real)/cv-dedupe" "$@" || exit' \\
                  '[ "$1" != commit ] || dd if=/dev/zero of=\(state)/filler bs=64k 2>/dev/null' 'exit 0' >'\(bin)/cv-dedupe'
                chmod +x '\(bin)/cv-dedupe'
                """
            ).0, 0)
        try contacts()
        try cvSync(["run", "people"])
        let watermark = try String(contentsOfFile: "\(state)/people/last_sync_time", encoding: .utf8)
        try TestServers.psql(pg, "UPDATE \(table) SET first_name = 'Zed', updated_at = now() WHERE id = 2")

        sync.environment["CV_BIN"] = bin
        let (_, _, err) = try cvSync(["run", "people"], status: 1)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "\(state)/filler"), "the disk filled after the commit")
        XCTAssertTrue(err.contains("could not write \(state)/people/last_sync_time (the disk is full)"), err)
        XCTAssertFalse(err.contains("not in the history"), "the history line fitted: \(err)")
        XCTAssertTrue(err.contains("people: failed in "), "the alert is said on stderr: \(err)")
        XCTAssertEqual(try String(contentsOfFile: "\(state)/people/last_sync_time", encoding: .utf8), watermark)
        let run = try XCTUnwrap(history("people").last)
        XCTAssertEqual(run["status"], .string("failed"), err)
        XCTAssertTrue(run["error"]?.stringValue?.contains("the disk is full") ?? false, "\(run)")

        try FileManager.default.removeItem(atPath: "\(state)/filler")
        sync.environment["CV_BIN"] = nil
        try cvSync(["run", "people"])
        let after = try XCTUnwrap(history("people").last)
        XCTAssertEqual(after["status"], .string("succeeded"))
        XCTAssertEqual(after["recordsSent"], .number("0"), "Zed was committed before the disk filled: \(after)")
    }
}
