import Foundation
import JSONCodec
import XCTest

/// Nothing lost, nothing sent twice, at the edges: scripts/cv-sync over PostgreSQL and
/// cv-emulator when records are refused for reasons outside their data, when answers never
/// come, when the host's clock is wrong and when the warehouse changes column names.
final class DriverRecoveryTests: DriverTestCase {
    override var contactRows: [(Int, String, String)] { super.contactRows + [(4, "d@x.com", "Di")] }

    private func last(_ name: String) throws -> JSONObject { try sync.history(name).last ?? [:] }

    private func watermark(_ name: String) -> String? {
        (try? String(contentsOfFile: "\(home)/state/\(name)/last_sync_time", encoding: .utf8))?.trimmingCharacters(
            in: .whitespacesAndNewlines)
    }

    private func contactsSync(_ extra: [String] = [], columns: String = "id AS \"userId\", email, first_name") throws {
        try sync.writeSync(
            "people", ["SOURCE=\(pg)", "TYPE=contacts"] + extra,
            query: "SELECT \(columns) FROM \(table) WHERE updated_at > to_timestamp({{last_sync_time}}) ORDER BY id")
    }

    /// Events for contacts ghost-1 and ghost-2, which Conversion does not have yet, and one
    /// for contact 'real', which it has.
    private func ghostEventsSync(_ extra: [String] = []) throws {
        _ = try HTTP.post(emulator.url + "/v2/contacts", #"{"email":"real@x.com","userId":"real"}"#)
        try sync.writeSync(
            "signups", ["SOURCE=\(pg)", "TYPE=events"] + extra,
            query: """
                SELECT CASE WHEN id = 3 THEN 'real' ELSE 'ghost-' || id END AS "userId", 'signup' AS event_name, updated_at AS timestamp,
                       's-' || id AS "eventId"
                FROM \(table) WHERE id <= 3 AND updated_at > to_timestamp({{last_sync_time}})
                """)
    }

    private func emulatorList(_ path: String) throws -> [JSONObject] {
        guard case .array(let list)? = try HTTP.get(emulator.url + path).json else { return [] }
        return list.compactMap(\.objectValue)
    }

    /// A userId-only event whose contact does not exist yet is queued; once a contacts sync
    /// creates it, the next run delivers the event although its row is older than the watermark.
    func testRetryableRejectsComeBackOnLaterRuns() throws {
        try ghostEventsSync()
        try cvSync(["run", "signups"])
        XCTAssertEqual(try last("signups")["status"], .string("partially_failed"))
        XCTAssertEqual(try last("signups")["retryQueued"], .number("2"))
        XCTAssertNotNil(watermark("signups"), "a partial run moves the watermark")
        for i in 1...2 {
            _ = try HTTP.post(emulator.url + "/v2/contacts", "{\"email\":\"g\(i)@x.com\",\"userId\":\"ghost-\(i)\"}")
        }
        try cvSync(["run", "signups"])
        let second = try last("signups")
        XCTAssertEqual(second["rowsExtracted"], .number("0"))
        XCTAssertEqual(second["retried"], .number("2"))
        XCTAssertEqual(second["succeeded"], .number("2"))
        XCTAssertEqual(second["retryQueueSize"], .number("0"))
        XCTAssertEqual(second["status"], .string("succeeded"))
        XCTAssertEqual(try emulatorList("/_emulator/events").count, 3)
    }

    /// After MAX_RETRY_RUNS refusals a queued record becomes a permanent, visible reject.
    func testQueuedRecordsAreGivenUpAfterMaxRetryRuns() throws {
        try ghostEventsSync(["MAX_RETRY_RUNS=2"])
        try cvSync(["run", "signups"])
        try cvSync(["run", "signups"])
        let second = try last("signups")
        XCTAssertEqual(second["retried"], .number("2"))
        XCTAssertEqual(second["gaveUp"], .number("2"))
        XCTAssertEqual(second["retryQueueSize"], .number("0"))
        XCTAssertEqual(second["status"], .string("partially_failed"), "queued records refused again do not fail a run")
        let (_, rejects, summary) = try cvSync(["errors", "signups"])
        XCTAssertTrue(summary.contains("2 retry gave_up_after_2_runs"), summary)
        XCTAssertTrue(rejects.contains("\"lastCode\":\"contact_not_found\""), rejects)
        try cvSync(["run", "signups"])
        XCTAssertEqual(try last("signups")["retried"], .number("0"))
    }

    /// `cv-sync retry` sends any run's rejects again through the stages that refused them.
    func testRetryCommandResendsARunsRejectsThroughTheRightStages() throws {
        try TestServers.psql(pg, "INSERT INTO \(table) VALUES (0, 'z@x.com', NULL, now() - interval '1 hour')")
        try sync.writeSync(
            "signups", ["SOURCE=\(pg)", "TYPE=events", "MAX_RETRY_RUNS=1"],
            query: """
                SELECT 'ghost-' || id AS "userId", CASE WHEN id = 0 THEN NULL ELSE 'signup' END AS event_name, updated_at AS timestamp,
                       's-' || id AS "eventId" FROM \(table) WHERE id <= 2
                """)
        try cvSync(["run", "signups"], status: 1)
        let first = try last("signups")
        XCTAssertEqual(first["failed"], .number("3"))
        XCTAssertEqual(first["gaveUp"], .number("2"))
        XCTAssertTrue(
            (first["error"]?.stringValue ?? "").contains("3 of 3 records rejected"), "everything rejected fails the run"
        )
        for i in 1...2 {
            _ = try HTTP.post(emulator.url + "/v2/contacts", "{\"email\":\"g\(i)@x.com\",\"userId\":\"ghost-\(i)\"}")
        }
        let run = try sync.history("signups").last!["run"]!.stringValue!
        // The row is re-mapped and still has no event_name: reported as such, it does not fail
        // the retry (it sent 0 records, so nothing of what could be sent failed); the records
        // run delivers. (A retry once exited 1 here, its row counted by the 100% rule.)
        let (_, _, err) = try cvSync(["retry", "signups", run])
        XCTAssertTrue(err.contains("1 rows, 2 records"), err)
        let runs = try sync.history("signups").suffix(2)
        XCTAssertEqual(runs.map { $0["mode"] }, [.string("rows"), .string("records")])
        XCTAssertEqual(runs.map { $0["manual"] }, [.bool(true), .bool(true)])
        XCTAssertEqual(runs.first?["status"], .string("partially_failed"))
        XCTAssertEqual(runs.first?["failed"], .number("1"), "the row is still missing its event_name")
        XCTAssertEqual(runs.last?["succeeded"], .number("2"))
        // The sync's last run, for status, is still the scheduled one that failed.
        let status = try cvSync(["status"]).1
        XCTAssertTrue(status.contains("signups") && status.contains("failed"), status)
        XCTAssertFalse(status.contains("partially_failed"), status)
    }

    /// An object type created in Conversion after the first run: that run fails (not about
    /// rows), the watermark stays, and the next run delivers the objects.
    func testAnObjectTypeCreatedLaterGetsItsObjects() throws {
        try #"{"objects":{"gadget":{"fields":{"name":"string"}}}}"#.write(
            toFile: home + "/syncs/schema.json", atomically: true, encoding: .utf8)
        try sync.writeSync(
            "gadgets", ["SOURCE=\(pg)", "TYPE=objects", "OBJECT_TYPE=gadget", "SCHEMA=schema.json"],
            query:
                "SELECT 'g' || id AS id, first_name AS name FROM \(table) WHERE updated_at > "
                + "to_timestamp({{last_sync_time}})"
        )
        let (_, _, err) = try cvSync(["run", "gadgets"], status: 1)
        XCTAssertTrue(err.contains("gadgets: failed"), err)
        let failure = try last("gadgets")
        XCTAssertTrue(
            (failure["error"]?.stringValue ?? "").contains("object type 'gadget' does not exist"), "\(failure)")
        XCTAssertNil(watermark("gadgets"))
        _ = try HTTP.post(emulator.url + "/_emulator/object-types", #"{"name":"gadget","fields":{"name":"string"}}"#)
        try cvSync(["run", "gadgets"])
        XCTAssertEqual(try last("gadgets")["status"], .string("succeeded"))
        XCTAssertEqual(try emulatorList("/_emulator/objects/gadget").count, 4)
    }

    /// A run where everything, or MAX_REJECT_PERCENT of the records, is rejected fails; its
    /// acks are committed all the same, so the next run sends only what is left.
    func testRejectThresholdFailsTheRunAndItsAcksAreStillCommitted() throws {
        try TestServers.psql(pg, "UPDATE \(table) SET email = 'not-an-email' WHERE id = 4")
        try contactsSync(["MAX_REJECT_PERCENT=20"])
        let (_, _, err) = try cvSync(["run", "people"], status: 1)
        XCTAssertTrue(err.contains("1 of 4 records rejected (25%), at or above MAX_REJECT_PERCENT=20"), err)
        XCTAssertNil(watermark("people"))
        XCTAssertEqual(try last("people")["succeeded"], .number("3"))
        try TestServers.psql(pg, "UPDATE \(table) SET email = 'd@x.com' WHERE id = 4")
        try cvSync(["run", "people"])
        let second = try last("people")
        XCTAssertEqual(second["recordsSent"], .number("1"), "the failed run's acks were committed")
        XCTAssertEqual(second["unchangedSkipped"], .number("3"))
        try TestServers.psql(pg, "UPDATE \(table) SET email = 'bad', updated_at = now() + interval '1 second'")
        try contactsSync()
        try cvSync(["run", "people"], status: 1)
        XCTAssertTrue((try last("people")["error"]?.stringValue ?? "").contains("4 of 4 records rejected (100%)"))
    }

    /// A value sent but never confirmed (stored, then answered 500) is not trusted: when the
    /// warehouse returns to the last acknowledged value, that value is sent again.
    func testAnUnconfirmedValueIsNotStranded() throws {
        try contactsSync(["MAX_ATTEMPTS=1"])
        try cvSync(["run", "people"])
        try TestServers.psql(
            pg, "UPDATE \(table) SET first_name = 'Bob', updated_at = now() + interval '1 second' WHERE id = 2")
        _ = try HTTP.post(emulator.url + "/_emulator/faults", #"{"failAfterProcessingRate":1}"#)
        try cvSync(["run", "people"], status: 1)
        let contact2: () throws -> JSONValue? = {
            try self.emulatorList("/_emulator/contacts").first { $0["userId"] == .string("2") }?["fields"]
        }
        XCTAssertEqual(try contact2(), .object(["first_name": .string("Bob")]), "stored although answered 500")
        _ = try HTTP.post(emulator.url + "/_emulator/faults", #"{"failAfterProcessingRate":0}"#)
        try TestServers.psql(
            pg, "UPDATE \(table) SET first_name = 'Bo', updated_at = now() + interval '2 seconds' WHERE id = 2")
        try cvSync(["run", "people"])
        XCTAssertEqual(try last("people")["recordsSent"], .number("1"))
        XCTAssertEqual(try contact2(), .object(["first_name": .string("Bo")]))
    }

    /// The run's start comes from the warehouse's clock: a sync host an hour ahead neither
    /// skips later updates nor stores its own time.
    func testTheWatermarkFollowsTheWarehousesClock() throws {
        try contactsSync()
        sync.environment["LD_PRELOAD"] = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
        sync.environment["FAKETIME"] = "+3600"
        try cvSync(["run", "people"])
        let pgNow = Int(
            try TestServers.psql(pg, "SELECT floor(extract(epoch FROM now()))::bigint").trimmingCharacters(
                in: .whitespacesAndNewlines))!
        let stored = Int(watermark("people") ?? "") ?? 0
        XCTAssertLessThan(abs(stored - pgNow), 30, "stored \(stored), warehouse \(pgNow)")
        XCTAssertEqual(try last("people")["clock"], .string("warehouse"))
        try TestServers.psql(
            pg, "UPDATE \(table) SET first_name = 'Bob', updated_at = now() + interval '1 second' WHERE id = 2")
        Waits.nextSecond()
        try cvSync(["run", "people"])
        XCTAssertEqual(
            try last("people")["rowsExtracted"], .number("1"), "a change after the first run reaches the second")
        sync.environment = [:]
        try "99999999999\n".write(toFile: "\(home)/state/people/last_sync_time", atomically: true, encoding: .utf8)
        let (_, _, future) = try cvSync(["run", "people"], status: 2)
        XCTAssertTrue(future.contains("ahead of the warehouse's clock"), future)
        XCTAssertEqual(try last("people")["status"], .string("failed"))
        try "yesterday\n".write(toFile: "\(home)/state/people/last_sync_time", atomically: true, encoding: .utf8)
        let (_, _, garbage) = try cvSync(["run", "people"], status: 2)
        XCTAssertTrue(garbage.contains("holds 'yesterday', not Unix seconds"), garbage)
        XCTAssertTrue((try last("people")["error"]?.stringValue ?? "").contains("not Unix seconds"))
    }

    /// PostgreSQL folds unquoted aliases: `userId` and `eventId` arrive as userid and eventid.
    /// They keep their meaning, so a time-buffered query sends nothing twice.
    func testFoldedStructuralNamesKeepTheirMeaning() throws {
        try contactsSync()
        try cvSync(["run", "people"])
        try TestServers.psql(
            pg,
            "CREATE TABLE \(table)_o AS SELECT g AS id, 1 + g % 3 AS user_id, now() - interval '30 seconds' AS "
                + "created_at FROM generate_series(1, 20) g"
        )
        try sync.writeSync(
            "orders", ["SOURCE=\(pg)", "TYPE=events"],
            query: """
                SELECT o.user_id AS userId, 'purchase' AS event_name, o.created_at AS timestamp, 'o-' || o.id AS eventId, o.id AS n
                FROM \(table)_o o WHERE o.created_at > to_timestamp({{last_sync_time}} - 300)
                """)
        let (_, _, err) = try cvSync(["run", "orders"])
        XCTAssertTrue(err.contains("column 'eventid' was taken as 'eventId'"), err)
        try cvSync(["run", "orders"])
        XCTAssertEqual(try last("orders")["duplicatesSkipped"], .number("20"))
        XCTAssertEqual(try last("orders")["recordsSent"], .number("0"))
        let events = try emulatorList("/_emulator/events")
        XCTAssertEqual(events.count, 20)
        XCTAssertTrue(
            events.allSatisfy { ($0["eventId"]?.stringValue ?? "").hasPrefix("o-") }, "\(events.first ?? [:])")
    }

    /// An ignored field column is named where the user looks: the run's output, the history
    /// and `check`, with "did you mean".
    func testIgnoredColumnsAreVisible() throws {
        try contactsSync(columns: "id AS \"userId\", email, first_name AS first_nam")
        let (_, _, err) = try cvSync(["run", "people"])
        XCTAssertTrue(
            err.contains("people: column 'first_nam' is ignored: no field of that name (did you mean 'first_name'?)"),
            err)
        XCTAssertEqual(try last("people")["ignoredColumns"], .array([.string("first_nam")]))
        let (_, _, check) = try cvSync(["check", "people"])
        XCTAssertTrue(check.contains("column 'first_nam' is ignored"), check)
    }

    /// Two result columns with one name: which one counts would be arbitrary, so the run stops.
    func testADuplicateColumnNameIsAConfigurationError() throws {
        try contactsSync(columns: "id AS \"userId\", email, first_name, email")
        let (_, _, err) = try cvSync(["run", "people"], status: 2)
        XCTAssertTrue(err.contains("column 'email' appears twice in the query's result (columns 2 and 4)"), err)
        XCTAssertEqual(try emulatorList("/_emulator/contacts").count, 0)
    }

    /// A run whose driver died left a pending log: the next run commits its acks first and
    /// records it as interrupted, so what it delivered is not sent again.
    func testAnInterruptedRunIsCommittedByTheNext() throws {
        try contactsSync()
        let state = "\(home)/state/people"
        let run = "20260101T000000Z-1"
        try FileManager.default.createDirectory(atPath: "\(state)/runs/\(run)", withIntermediateDirectories: true)
        let bin = ToolRunner.binDirectory.path
        let (status, _, err) = try PipelineTests.shell(
            """
            '\(bin)/wh-extract' --query-text "SELECT id AS \\"userId\\", email, first_name FROM \(table)" \
              | '\(bin)/cv-map' --type contacts | '\(bin)/cv-dedupe' --state '\(state)/dedupe.db' --run \(run) --changed-only >/dev/null
            """, environment: ["WH_SOURCE": pg])
        XCTAssertEqual(status, 0, err)
        try "{\"key\":\"contact:userId:1\"}\n".write(
            toFile: "\(state)/runs/\(run)/acks.ndjson", atomically: true, encoding: .utf8)
        let (_, _, out) = try cvSync(["run", "people"])
        XCTAssertTrue(out.contains("run \(run) was interrupted; its 1 acks are now committed"), out)
        let runs = try sync.history("people")
        XCTAssertEqual(runs.first?["status"], .string("interrupted"))
        XCTAssertEqual(runs.last?["recordsSent"], .number("3"))
        XCTAssertEqual(runs.last?["unchangedSkipped"], .number("1"))
    }
}
