import Foundation
import XCTest

/// Databricks credentials from `~/.databrickscfg` profiles, as the Databricks CLI and SDKs read
/// them, against the Databricks emulator (its OAuth endpoint is a loopback stub).
final class DatabricksProfileTests: XCTestCase {
    private var api = ""
    private var warehouse = ""
    private var scratch: ScratchFolder?
    private var home: String { scratch!.path }

    override func setUpWithError() throws {
        api = try CloudEmulators.url("WH_TEST_DATABRICKS_URL")
        warehouse = try CloudEmulators.url("WH_TEST_DATABRICKS_WAREHOUSE")
        scratch = try ScratchFolder("dbcfg")
    }

    override func tearDown() { scratch = nil }

    private func extract(_ environment: [String: String]) throws -> ToolRun {
        try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT 3 AS three"],
            environment: [
                "WH_SOURCE": "databricks://adb-1.azuredatabricks.net/\(warehouse)", "DATABRICKS_API_URL": api,
                "HOME": home,
                "DATABRICKS_TOKEN": "", "DATABRICKS_CLIENT_ID": "", "DATABRICKS_CLIENT_SECRET": "",
            ].merging(environment) { $1 })
    }

    func testProfilesGiveATokenOrAServicePrincipal() throws {
        let oauth = try StubHTTPServer { request in
            let expected = "Basic " + Data("sp-id:sp-secret".utf8).base64EncodedString()
            return request.headers["authorization"] == expected
                ? .init(200, #"{"access_token":"eyJ.sp","token_type":"Bearer","expires_in":3600}"#)
                : .init(401, #"{"error":"invalid_client"}"#)
        }
        defer { oauth.stop() }
        try """
        ; written by `databricks configure`
        [DEFAULT]
        host = https://adb-1.azuredatabricks.net/
        token = dapi-from-profile

        [sp]
        host  = https://adb-1.azuredatabricks.net
        client_id = sp-id
        client_secret = sp-secret

        [other]
        host = https://adb-2.azuredatabricks.net
        token = dapi-other
        """.write(toFile: home + "/.databrickscfg", atomically: true, encoding: .utf8)
        let token = try extract([:])
        XCTAssertEqual(token.stdout, "{\"three\":3}\n", token.stderr)
        let principal = try extract([
            "DATABRICKS_CONFIG_PROFILE": "sp", "DATABRICKS_TOKEN_URL": oauth.url + "/oidc/v1/token",
        ])
        XCTAssertEqual(principal.stdout, "{\"three\":3}\n", principal.stderr)
        XCTAssertEqual(oauth.requests.count, 1)
        let wrongHost = try extract(["DATABRICKS_CONFIG_PROFILE": "other"])
        XCTAssertEqual(wrongHost.status, 2)
        XCTAssertTrue(
            wrongHost.stderr.contains(
                "is for host 'https://adb-2.azuredatabricks.net', not 'adb-1.azuredatabricks.net'"), wrongHost.stderr)
        XCTAssertFalse(wrongHost.stderr.contains("dapi-other"))
        let missing = try extract(["DATABRICKS_CONFIG_PROFILE": "prod"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(
            missing.stderr.contains("has no profile [prod] (DATABRICKS_CONFIG_PROFILE); it has: DEFAULT, other, sp"),
            missing.stderr)
    }
}
