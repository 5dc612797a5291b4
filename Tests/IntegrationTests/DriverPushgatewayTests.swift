import Foundation
import XCTest

/// Runs in short-lived jobs (a CronJob's pod) are gone before Prometheus scrapes them: with
/// PUSHGATEWAY_URL each run pushes its sync's metrics to Debian's prometheus-pushgateway,
/// scraped back here and read with prometheus-client's parser.
final class DriverPushgatewayTests: DriverTestCase {
    private var gateway: Launched?
    private var gatewayURL = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        let binary = "/usr/bin/prometheus-pushgateway"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            if ProcessInfo.processInfo.environment["CV_REQUIRE_SERVERS"] == "1" {
                XCTFail("prometheus-pushgateway is not installed although CV_REQUIRE_SERVERS=1")
            }
            throw XCTSkip("no prometheus-pushgateway: scripts/setup installs it")
        }
        let port = try LoopbackPort.free()
        gatewayURL = "http://127.0.0.1:\(port)"
        gateway = try Launcher.start([binary, "--web.listen-address=127.0.0.1:\(port)"])
        XCTAssertTrue(try Waits.until { (try? HTTP.get(self.gatewayURL + "/-/ready"))?.status == 200 })
    }

    override func tearDown() {
        gateway?.stop()
        super.tearDown()
    }

    private func scrape() throws -> Set<String> {
        let python = try XCTUnwrap(
            ProcessInfo.processInfo.environment["CV_TEST_PYTHON"], "CV_TEST_PYTHON (prometheus-client) is not set")
        let text = try HTTP.get(gatewayURL + "/metrics").body
        let file = home + "/scraped.prom"
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let parse = """
            import sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    if s.name.startswith("cv_sync_"):
                        print(s.name, ",".join(f"{k}={v}" for k, v in sorted(s.labels.items())), int(s.value))
            """
        let (status, out, err) = try PipelineTests.shell(
            "'\(python)' -c '\(parse.replacingOccurrences(of: "'", with: "'\\''"))' '\(file)'")
        XCTAssertEqual(status, 0, err)
        return Set(out.split(separator: "\n").map(String.init))
    }

    func testEachRunPushesItsSyncsMetrics() throws {
        sync.environment["PUSHGATEWAY_URL"] = gatewayURL
        try writeSync(
            "people", ["SOURCE=\(pg)", "TYPE=contacts"], query: "SELECT id AS \"userId\", email FROM \(table)")
        try cvSync(["run", "people"])
        try cvSync(["run", "people"])
        let samples = try scrape()
        for expected in [
            "cv_sync_runs_total instance=,job=cv-sync,status=succeeded,sync=people 2",
            "cv_sync_rows_total instance=,job=cv-sync,sync=people 6",
            "cv_sync_records_succeeded_total instance=,job=cv-sync,sync=people 3",
            "cv_sync_last_run_status instance=,job=cv-sync,status=succeeded,sync=people 1",
            "cv_sync_retry_queue_size instance=,job=cv-sync,sync=people 0",
        ] {
            XCTAssertTrue(samples.contains(expected), "\(expected) in:\n\(samples.sorted().joined(separator: "\n"))")
        }

        // A gateway that is gone: the run still succeeds, and says why nothing was pushed.
        gateway?.stop()
        let (_, _, err) = try cvSync(["run", "people"])
        XCTAssertTrue(err.contains("people: could not push metrics to PUSHGATEWAY_URL: "), err)
        XCTAssertEqual(try history("people").last?["status"], .string("succeeded"))
    }
}
