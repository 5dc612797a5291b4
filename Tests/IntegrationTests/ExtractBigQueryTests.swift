import Foundation
import JSONCodec
import XCTest

/// wh-extract against crucible-emulator (BigQuery REST), and against loopback stubs for the
/// token endpoint and the refusals no emulator produces.
final class ExtractBigQueryTests: XCTestCase {
    private var emulator: BigQueryEmulator!
    private var api: String { emulator.api }
    private var project: String { emulator.project }

    override func setUpWithError() throws {
        emulator = try BigQueryEmulator("WH_TEST_BIGQUERY_URL")
    }

    private func runSQL(_ sql: String) throws { try emulator.runSQL(sql) }

    private func extract(
        _ query: String, source: String? = nil, lastSyncTime: Int = 0, environment: [String: String] = [:],
        measureRSS: Bool = false
    ) throws -> ToolRun {
        try emulator.extract(
            query, source: source, lastSyncTime: lastSyncTime, environment: environment, measureRSS: measureRSS)
    }

    func testEveryTypeAndNullMapsExactly() throws {
        try emulator.assertEveryTypeAndNullMapsExactly()
    }

    func testPagesAreFetchedInOrderWithNoRowTwiceAndNoneMissing() throws {
        let run = try extract(
            "SELECT x, CONCAT('row', CAST(x AS STRING)) AS label FROM UNNEST(GENERATE_ARRAY(1, 100000)) AS x ORDER "
                + "BY x",
            source: "bigquery://\(project)?page_size=1000", measureRSS: true)
        XCTAssertEqual(run.status, 0, run.stderr)
        assertSequential(run.stdout, key: "x", from: 1, count: 100_000)
        XCTAssertLessThan(run.maxRSSKilobytes, 64 * 1024, "memory is bounded by one page, not the result")
    }

    func testLastSyncTimeSelectsOnlyNewerRows() throws {
        let table = CloudEmulators.unique("events")
        try runSQL(
            "CREATE TABLE ds.\(table) AS SELECT x AS id, TIMESTAMP_SECONDS(x * 1000) AS updated_at FROM UNNEST([1, "
                + "2, 3]) AS x"
        )
        let query = "SELECT id FROM ds.\(table) WHERE updated_at > TIMESTAMP_SECONDS({{last_sync_time}}) ORDER BY id"
        try assertLastSyncTimeFilters(key: "id") { try extract(query, lastSyncTime: $0) }
    }

    func testQueryErrorReportsBigQuerysMessage() throws {
        let run = try extract("SELECT nope FROM UNNEST([1]) AS x")
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "")
        XCTAssertTrue(run.stderr.hasPrefix("wh-extract: query failed"), run.stderr)
        XCTAssertTrue(run.stderr.contains("nope"), run.stderr)
    }

    func testRefusedAccessTokenFailsWithoutPrintingIt() throws {
        let stub = try StubHTTPServer { _ in
            .init(
                401,
                #"{"error":{"code":401,"message":"Request had invalid authentication credentials.","errors":[{"message":"Invalid Credentials","domain":"global","reason":"authError"}],"status":"UNAUTHENTICATED"}}"#
            )
        }
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT 1"],
            environment: [
                "WH_SOURCE": "bigquery://\(project)", "BIGQUERY_API_URL": stub.url,
                "BIGQUERY_ACCESS_TOKEN": "ya29.secret-token",
            ])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(
            run.stderr,
            "wh-extract: connection failed: BigQuery project 'wh-test': authentication refused (HTTP 401): Request "
                + "had invalid authentication credentials.\n"
        )
        XCTAssertEqual(stub.requests.first?.headers["authorization"], "Bearer ya29.secret-token")
    }

    func testServiceAccountKeyIsSignedIntoAJWTAndExchanged() throws {
        let key = try TestKey()
        let stub = try StubHTTPServer { request in
            let form = formFields(request.body)
            guard request.path == "/token", form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer",
                let claims = key.verifiedClaims(form["assertion"] ?? "")
            else {
                return .init(400, #"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#)
            }
            return .init(
                200,
                #"{"access_token":"ya29.exchanged","expires_in":3599,"token_type":"Bearer","claims":\#(JSONValue.object(claims).serialized)}"#
            )
        }
        let file = try serviceAccountFile(key: key, tokenURI: stub.url + "/token")
        let run = try extract(
            "SELECT 1 AS one", environment: ["BIGQUERY_ACCESS_TOKEN": "", "GOOGLE_APPLICATION_CREDENTIALS": file])
        XCTAssertEqual(run.stdout, "{\"one\":1}\n", run.stderr)
        XCTAssertEqual(stub.requests.count, 1)
        let claims = try XCTUnwrap(key.verifiedClaims(formFields(stub.requests[0].body)["assertion"] ?? ""))
        XCTAssertEqual(claims["iss"], .string("sync@wh-test.iam.gserviceaccount.com"))
        XCTAssertEqual(claims["aud"], .string(stub.url + "/token"))
        XCTAssertEqual(claims["scope"], .string("https://www.googleapis.com/auth/bigquery"))
        XCTAssertEqual(stub.requests[0].headers["content-type"], "application/x-www-form-urlencoded")
    }

    /// What `gcloud auth application-default login` writes: exchanged with its refresh token.
    func testAuthorizedUserFileIsExchangedThroughItsRefreshToken() throws {
        let stub = try StubHTTPServer { request in
            let form = formFields(request.body)
            return form["grant_type"] == "refresh_token" && form["refresh_token"] == "1//refresh"
                && form["client_secret"] == "gcloud-secret"
                ? .init(200, #"{"access_token":"ya29.user","expires_in":3599,"token_type":"Bearer"}"#)
                : .init(400, #"{"error":"invalid_grant","error_description":"Bad Request"}"#)
        }
        let path = NSTemporaryDirectory() + "wh-adc-\(UUID().uuidString).json"
        let file: JSONObject = [
            "type": .string("authorized_user"), "client_id": .string("764086051850.apps.googleusercontent.com"),
            "client_secret": .string("gcloud-secret"), "refresh_token": .string("1//refresh"),
        ]
        try JSONValue.object(file).serialized.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try extract(
            "SELECT 2 AS two",
            environment: [
                "BIGQUERY_ACCESS_TOKEN": "", "GOOGLE_APPLICATION_CREDENTIALS": path,
                "BIGQUERY_TOKEN_URL": stub.url + "/token",
            ])
        XCTAssertEqual(run.stdout, "{\"two\":2}\n", run.stderr)
        XCTAssertEqual(stub.requests.count, 1)
    }

    func testRefusedServiceAccountNamesTheErrorAndNeverThePrivateKey() throws {
        let key = try TestKey()
        let stub = try StubHTTPServer { _ in
            .init(400, #"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#)
        }
        let file = try serviceAccountFile(key: key, tokenURI: stub.url + "/token")
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT 1", "--credentials", file],
            environment: ["WH_SOURCE": "bigquery://\(project)", "BIGQUERY_API_URL": api])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(
            run.stderr,
            "wh-extract: connection failed: Google token endpoint '\(stub.url)/token': authentication refused (HTTP "
                + "400): token request refused: invalid_grant: Invalid JWT Signature.\n"
        )
        XCTAssertFalse(run.stderr.contains("PRIVATE KEY"))
    }

    /// The documented sequence for a slow query: jobs.query answers `jobComplete: false`, then
    /// getQueryResults (same job, its location, int64 timestamps) until complete, then the next
    /// page by `pageToken`.
    func testRunningJobIsAwaitedAndEveryPageRequestedInOrder() throws {
        let schema =
            #"{"fields":[{"name":"id","type":"INTEGER","mode":"NULLABLE"},{"name":"at","type":"TIMESTAMP","mode":"NULLABLE"}]}"#
        let stub = try StubHTTPServer { request in
            let job = #""jobReference":{"projectId":"wh-test","jobId":"job_7","location":"asia-northeast1"}"#
            if request.method == "POST" {
                return .init(200, #"{"kind":"bigquery#queryResponse",\#(job),"jobComplete":false}"#)
            }
            if request.path.contains("pageToken=tok%2F2") {
                return .init(
                    200,
                    #"{"kind":"bigquery#getQueryResultsResponse",\#(job),"schema":\#(schema),"jobComplete":true,"totalRows":"3","rows":[{"f":[{"v":"3"},{"v":null}]}]}"#
                )
            }
            return .init(
                200,
                #"{"kind":"bigquery#getQueryResultsResponse",\#(job),"schema":\#(schema),"jobComplete":true,"totalRows":"3","pageToken":"tok/2","rows":[{"f":[{"v":"1"},{"v":"1704164645123456"}]},{"f":[{"v":"2"},{"v":"1.7E9"}]}]}"#
            )
        }
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT id, at FROM t"],
            environment: [
                "WH_SOURCE": "bigquery://\(project)?location=asia-northeast1&page_size=2", "BIGQUERY_API_URL": stub.url,
                "BIGQUERY_ACCESS_TOKEN": "ya29.t",
            ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(
            run.stdout,
            "{\"id\":1,\"at\":\"2024-01-02T03:04:05.123456Z\"}\n{\"id\":2,\"at\":\"2023-11-14T22:13:20Z\"}\n{\"id\":3,\"at\":null}\n"
        )
        XCTAssertEqual(stub.requests.count, 3)
        let body = try XCTUnwrap(JSONValue.parse(stub.requests[0].body).objectValue)
        XCTAssertEqual(body["maxResults"], .number("2"))
        XCTAssertEqual(body["location"], .string("asia-northeast1"))
        XCTAssertEqual(body["useLegacySql"], .bool(false))
        XCTAssertEqual(body["formatOptions"], .object(["useInt64Timestamp": .bool(true)]))
        XCTAssertNotNil(body["requestId"])
        XCTAssertTrue(stub.requests[1].path.hasPrefix("/bigquery/v2/projects/wh-test/queries/job_7?"))
        for part in ["maxResults=2", "formatOptions.useInt64Timestamp=true", "location=asia-northeast1"] {
            XCTAssertTrue(stub.requests[1].path.contains(part), stub.requests[1].path)
        }
        XCTAssertFalse(stub.requests[1].path.contains("pageToken"))
        XCTAssertTrue(stub.requests[2].path.contains("pageToken=tok%2F2"))
    }

    func testMissingRowsAreAnErrorNotASilentGap() throws {
        let stub = try StubHTTPServer { _ in
            .init(
                200,
                #"{"jobReference":{"jobId":"job_9"},"jobComplete":true,"totalRows":"5","schema":{"fields":[{"name":"id","type":"INTEGER"}]},"rows":[{"f":[{"v":"1"}]},{"f":[{"v":"2"}]}]}"#
            )
        }
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT id FROM t"],
            environment: [
                "WH_SOURCE": "bigquery://\(project)", "BIGQUERY_API_URL": stub.url, "BIGQUERY_ACCESS_TOKEN": "ya29.t",
            ])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(
            run.stderr,
            "wh-extract: fetching row 2 failed: BigQuery announced 5 rows (totalRows) but the pages held 2\n")
    }

    /// `jobComplete: false` until cancelled: wh-extract keeps polling, then calls jobs.cancel.
    func testSIGINTCancelsTheJobOnBigQuery() throws {
        let stub = try StubHTTPServer { request in
            request.path.contains("/cancel")
                ? .init(200, #"{"kind":"bigquery#jobCancelResponse"}"#)
                : .init(
                    200,
                    #"{"kind":"bigquery#queryResponse","jobReference":{"projectId":"wh-test","jobId":"job_42","location":"EU"},"jobComplete":false}"#
                )
        }
        try assertSIGINTCancels(
            "SELECT 1",
            environment: [
                "WH_SOURCE": "bigquery://\(project)", "BIGQUERY_API_URL": stub.url, "BIGQUERY_ACCESS_TOKEN": "ya29.t",
            ],
            stub: stub, cancelRequest: "POST /bigquery/v2/projects/wh-test/jobs/job_42/cancel?location=EU")
        XCTAssertTrue(
            stub.requests.dropFirst().dropLast().allSatisfy {
                $0.path.contains("/queries/job_42?") && $0.path.contains("location=EU")
            })
    }

    private func serviceAccountFile(key: TestKey, tokenURI: String) throws -> String {
        let object: JSONObject = [
            "type": .string("service_account"), "project_id": .string(project), "private_key_id": .string("k1"),
            "private_key": .string(key.key.pkcs8PEMRepresentation),
            "client_email": .string("sync@wh-test.iam.gserviceaccount.com"),
            "token_uri": .string(tokenURI),
        ]
        let path = NSTemporaryDirectory() + "wh-sa-\(UUID().uuidString).json"
        try JSONValue.object(object).serialized.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }
}
