import XCTest

/// Configuration mistakes with the cloud sources are usage errors (exit 2) that say what to do,
/// found before any request is sent.
final class CloudConfigurationTests: XCTestCase {
    private func extract(_ source: String, _ environment: [String: String] = [:]) throws -> ToolRun {
        try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT 1"], environment: ["WH_SOURCE": source].merging(environment) { $1 })
    }

    func testMissingCredentialsNameWhereTheyComeFrom() throws {
        // Nothing named: Application Default Credentials end at the metadata server, which a
        // machine off Google Cloud does not have (a closed loopback port stands in for it).
        let bigquery = try extract(
            "bigquery://p",
            ["GCE_METADATA_HOST": "127.0.0.1:1", "HOME": "/nonexistent", "GOOGLE_APPLICATION_CREDENTIALS": ""])
        XCTAssertEqual(bigquery.status, 2)
        XCTAssertTrue(
            bigquery.stderr.hasPrefix(
                "wh-extract: no BigQuery credentials: pass --credentials FILE (a service-account key, "
                    + "authorized_user or external_account file) or set GOOGLE_APPLICATION_CREDENTIALS"
            ), bigquery.stderr)
        XCTAssertTrue(
            bigquery.stderr.contains(
                "or run on Google Cloud, where the metadata server gives them (127.0.0.1:1 did not answer: "),
            bigquery.stderr)
        let snowflake = try extract("snowflake://acct/DB/PUBLIC", ["SNOWFLAKE_PRIVATE_KEY_PATH": "/nonexistent.p8"])
        XCTAssertEqual(snowflake.status, 2)
        XCTAssertEqual(
            snowflake.stderr,
            "wh-extract: key-pair authentication needs the user: add ?user=NAME to the snowflake:// source or set "
                + "SNOWFLAKE_USER\n"
        )
        let databricks = try extract("databricks://h/wh", ["DATABRICKS_CLIENT_ID": "sp"])
        XCTAssertEqual(databricks.status, 2)
        XCTAssertTrue(databricks.stderr.hasPrefix("wh-extract: no Databricks credentials"), databricks.stderr)
    }

    func testSecretsInTheURLAndUnknownParametersAreRefused() throws {
        let leaky = try extract("databricks://token:dapi-abc@h/wh")
        XCTAssertEqual(leaky.status, 2)
        XCTAssertFalse(leaky.stderr.contains("dapi-abc"))
        let typo = try extract("snowflake://acct/DB/PUBLIC?warehous=WH")
        XCTAssertEqual(typo.status, 2)
        XCTAssertEqual(
            typo.stderr,
            "wh-extract: unknown parameter 'warehous' in the snowflake:// source; known: warehouse, role, user\n")
    }

    func testUnreadableKeyFileIsReportedWithItsPath() throws {
        let run = try extract(
            "snowflake://acct/DB/PUBLIC?user=u", ["SNOWFLAKE_PRIVATE_KEY_PATH": "/nonexistent/key.p8"])
        XCTAssertEqual(run.status, 2)
        XCTAssertTrue(run.stderr.hasPrefix("wh-extract: private key file '/nonexistent/key.p8': "), run.stderr)
    }
}
