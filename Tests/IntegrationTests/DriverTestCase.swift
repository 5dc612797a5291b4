import Foundation
import JSONCodec
import XCTest

/// What every driver test starts from: a PostgreSQL table of contacts updated an hour ago,
/// a cv-emulator, and a sync home pointed at both.
class DriverTestCase: XCTestCase {
    var sync: SyncHome!
    var home: String { sync.path }
    var pg = ""
    var emulator: EmulatorProcess!
    var table = ""
    /// Rows (id, email, first name) the table starts with.
    var contactRows: [(Int, String, String)] { [(1, "a@x.com", "Ann"), (2, "b@x.com", "Bo"), (3, "c@x.com", "Cy")] }

    override func setUpWithError() throws {
        pg = try TestServers.postgresURL()
        emulator = try EmulatorProcess()
        sync = try SyncHome(emulatorURL: emulator.url)
        table = "drv_\(UInt32.random(in: 0...UInt32.max))"
        let values = contactRows.map { "(\($0.0), '\($0.1)', '\($0.2)', now() - interval '1 hour')" }.joined(
            separator: ", ")
        try TestServers.psql(
            pg,
            """
            CREATE TABLE \(table) (id int, email text, first_name text, updated_at timestamptz);
            INSERT INTO \(table) VALUES \(values);
            """)
    }

    override func tearDown() {
        emulator?.stop()
        sync?.remove()
    }

    @discardableResult
    func cvSync(_ args: [String], status expected: Int32? = 0, file: StaticString = #filePath, line: UInt = #line)
        throws -> (Int32, String, String)
    {
        try sync.cvSync(args, status: expected, file: file, line: line)
    }

    func writeSync(_ name: String, _ lines: [String], query: String) throws {
        try sync.writeSync(name, lines, query: query)
    }

    func history(_ name: String) throws -> [JSONObject] { try sync.history(name) }

    /// `cv-sync ARGS` started in the background (through bash, as a shell would), for tests that
    /// signal or kill it.
    func startDriver(_ args: [String]) throws -> Launched {
        try Launcher.start(
            [
                "/bin/bash", "-c",
                "exec '\(SyncHome.repo.appendingPathComponent("scripts/cv-sync").path)' "
                    + args.map { "'\($0)'" }.joined(separator: " "),
            ],
            environment: [
                "CV_SYNC_HOME": home, "CV_BIN": ToolRunner.binDirectory.path, "CONVERSION_API_URL": emulator.url,
                "CONVERSION_API_KEY": "sk_test_driver_key",
            ])
    }

    /// Waits until Conversion holds at least `count` contacts (at most 20 s).
    func waitForContacts(_ count: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let arrived = try Waits.until {
            guard case .array(let contacts)? = try HTTP.get(emulator.url + "/_emulator/contacts").json else {
                return false
            }
            return contacts.count >= count
        }
        XCTAssertTrue(arrived, "fewer than \(count) contacts arrived", file: file, line: line)
    }
}
