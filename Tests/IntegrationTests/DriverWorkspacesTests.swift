import Foundation
import JSONCodec
import XCTest

/// Two syncs of one home writing to two Conversion workspaces from two warehouses, each with
/// its own secrets named by reference in its sync file (API_KEY_FILE, API_KEY_ENV,
/// PASSWORD_FILE). Before, a sync file refused any such key and every sync shared the home's
/// one CONVERSION_API_KEY and PGPASSWORD.
final class DriverWorkspacesTests: DriverTestCase {
    private let keyA = "sk_test_workspace_a_81f2"
    private let keyB = "sk_test_workspace_b_07c9"
    private let password = "Wh-Pass-5521"
    private var emulatorB: EmulatorProcess!
    private var role = ""

    override func setUpWithError() throws {
        try super.setUpWithError()
        try FileManager.default.createDirectory(atPath: "\(home)/secrets", withIntermediateDirectories: true)
        try secret("secrets/a.key", keyA)
        try secret("secrets/b.key", keyB)
        try secret("secrets/a.pw", password)
        // Each workspace takes only its own key.
        emulator.stop()
        emulator = try EmulatorProcess(["--api-key-file", "\(home)/secrets/a.key"])
        emulatorB = try EmulatorProcess(["--api-key-file", "\(home)/secrets/b.key"])
        // Warehouse one: PostgreSQL, as a role that must log in with a password.
        role = "ws_\(table)"
        try TestServers.psql(
            pg,
            """
            CREATE ROLE \(role) LOGIN PASSWORD '\(password)' IN ROLE pw_required;
            GRANT SELECT ON \(table) TO \(role);
            """)
        // Warehouse two: SQLite.
        XCTAssertEqual(
            try PipelineTests.shell(
                "sqlite3 '\(home)/syncs/b.db' \"CREATE TABLE people (id int, email text); "
                    + "INSERT INTO people VALUES (7, 'g@y.com'), (8, 'h@y.com');\""
            ).0, 0)
        sync.environment["CONVERSION_API_KEY"] = ""
        sync.environment["CONVERSION_API_URL"] = ""
        sync.environment["PGPASSWORD"] = ""
        try "WORKSPACE_B_KEY=\(keyB)\n".write(toFile: "\(home)/cv-sync.env", atomically: true, encoding: .utf8)
        chmod("\(home)/cv-sync.env", 0o600)
    }

    override func tearDown() {
        emulatorB?.stop()
        if !role.isEmpty { try? TestServers.psql(pg, "DROP OWNED BY \(role); DROP ROLE \(role)") }
        super.tearDown()
    }

    private func secret(_ path: String, _ value: String) throws {
        try (value + "\n").write(toFile: "\(home)/\(path)", atomically: true, encoding: .utf8)
        chmod("\(home)/\(path)", 0o600)
    }

    private var sourceA: String { pg.replacingOccurrences(of: "postgres@", with: "\(role)@") }

    private func writeSyncs(a extraA: [String] = [], b extraB: [String] = []) throws {
        try writeSync(
            "a",
            [
                "SOURCE=\(sourceA)", "TYPE=contacts", "API_URL=\(emulator.url)", "API_KEY_FILE=../secrets/a.key",
                "PASSWORD_FILE=../secrets/a.pw",
            ] + extraA,
            query: "SELECT id AS \"userId\", email FROM \(table)")
        try writeSync(
            "b",
            ["SOURCE=sqlite:b.db", "TYPE=contacts", "API_URL=\(emulatorB.url)", "API_KEY_ENV=WORKSPACE_B_KEY"] + extraB,
            query: "SELECT id AS userId, email FROM people")
    }

    private func emails(_ emulator: EmulatorProcess) throws -> [String] {
        guard case .array(let contacts)? = try HTTP.get(emulator.url + "/_emulator/contacts").json else { return [] }
        return contacts.compactMap { $0.objectValue?["email"]?.stringValue }.sorted()
    }

    /// Everything the driver wrote or said, secrets excepted, holds none of them.
    private func assertNoSecretIn(_ outputs: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        let (_, written, _) = try PipelineTests.shell(
            "cat \(home)/cv-sync.log; find \(home)/state -type f -exec cat {} + 2>/dev/null")
        for text in outputs + [written] {
            for secret in [keyA, keyB, password] {
                XCTAssertFalse(text.contains(secret), "a secret was shown", file: file, line: line)
            }
        }
    }

    func testTwoSyncsWriteToTwoWorkspacesFromTwoWarehouses() throws {
        try writeSyncs()
        let (_, checkA, checkErrA) = try cvSync(["check", "a"])
        let (_, checkB, checkErrB) = try cvSync(["check", "b"])
        let (_, out, err) = try cvSync(["run", "a", "b"])
        XCTAssertEqual(try emails(emulator), ["a@x.com", "b@x.com", "c@x.com"], err)
        XCTAssertEqual(try emails(emulatorB), ["g@y.com", "h@y.com"], err)
        let (_, history, _) = try cvSync(["history", "a"])
        try assertNoSecretIn([checkA, checkErrA, checkB, checkErrB, out, err, history])

        // The password file is what logs the first sync in: without it the server refuses.
        try writeSyncs(a: [])
        try writeSync(
            "a",
            ["SOURCE=\(sourceA)", "TYPE=contacts", "API_URL=\(emulator.url)", "API_KEY_FILE=../secrets/a.key"],
            query: "SELECT id AS \"userId\", email FROM \(table)")
        let (_, _, refused) = try cvSync(["run", "a"], status: 1)
        XCTAssertTrue(refused.contains("the server asks for a password"), refused)
    }

    /// A sync file names where its secrets are; a literal secret, a missing file (its value not
    /// repeated: it may be the secret) and a file any user can read are refused before a run.
    func testASyncFileNamesItsSecretsAndNeverHoldsThem() throws {
        let cases: [([String], String, String)] = [
            (["API_KEY_FILE=\(keyA)"], "API_KEY_FILE holds an API key", keyA),
            (["API_KEY_FILE=../secrets/a.key", "API_KEY_ENV=X"], "keep one", ""),
            (["API_KEY_ENV=sk_live_abc_def"], "API_KEY_ENV holds an API key", "sk_live_abc_def"),
            (["API_KEY_ENV=not a name"], "must be the name of an environment variable", ""),
            (["PASSWORD_FILE=\(password)"], "PASSWORD_FILE names no readable file", password),
        ]
        for (lines, message, hidden) in cases {
            try writeSync(
                "c", ["SOURCE=\(pg)", "TYPE=contacts"] + lines, query: "SELECT id AS \"userId\", email FROM \(table)")
            let (_, out, err) = try cvSync(["run", "c"], status: 2)
            XCTAssertTrue(err.contains(message), "\(lines): \(err)")
            XCTAssertNotNil(err.range(of: #"c\.sync:[34]: "#, options: .regularExpression), "the line is named: \(err)")
            if !hidden.isEmpty { XCTAssertFalse((out + err).contains(hidden), err) }
        }
        chmod("\(home)/secrets/a.key", 0o644)
        try writeSync(
            "c", ["SOURCE=\(pg)", "TYPE=contacts", "API_KEY_FILE=../secrets/a.key"],
            query: "SELECT id AS \"userId\", email FROM \(table)")
        let (_, _, err) = try cvSync(["run", "c"], status: 2)
        XCTAssertTrue(err.contains("can be read by any user (mode 644)"), err)

        // A variable that API_KEY_ENV names but nobody set: the run says which one.
        try writeSync(
            "c", ["SOURCE=\(pg)", "TYPE=contacts", "API_URL=\(emulator.url)", "API_KEY_ENV=NOBODY_SET_THIS"],
            query: "SELECT id AS \"userId\", email FROM \(table)")
        let (_, _, unset) = try cvSync(["run", "c"], status: 2)
        XCTAssertTrue(unset.contains("API_KEY_ENV names NOBODY_SET_THIS, which is not set"), unset)
        try assertNoSecretIn([err, unset])
    }

    /// BUDGET_URL reaches cv-load (a Redis that is not there: the run says so in its load log and
    /// delivers on the host's budget); one with a password is refused without showing it.
    func testTheBudgetURLReachesCvLoad() throws {
        let dead = "redis://127.0.0.1:\(try LoopbackPort.free())/0"
        try writeSyncs(a: ["BUDGET_URL=\(dead)"])
        try cvSync(["run", "a"])
        XCTAssertEqual(try emails(emulator), ["a@x.com", "b@x.com", "c@x.com"])
        let run = try XCTUnwrap(history("a").last?["run"]?.stringValue)
        let log = try String(contentsOfFile: "\(home)/state/a/runs/\(run)/load.log", encoding: .utf8)
        XCTAssertTrue(log.contains("the rate budget at \(dead) did not answer"), log)

        try writeSyncs(a: ["BUDGET_URL=redis://sync:Hunter-22@127.0.0.1:6379"])
        let (_, _, err) = try cvSync(["run", "a"], status: 2)
        XCTAssertTrue(err.contains("BUDGET_URL holds a password; set REDISCLI_AUTH"), err)
        XCTAssertFalse(err.contains("Hunter-22"), err)
    }
}
