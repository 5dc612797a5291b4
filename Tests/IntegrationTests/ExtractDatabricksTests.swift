import Foundation
import JSONCodec
import Synchronization
import XCTest

/// wh-extract against minilake (Databricks SQL Statement Execution API; DuckDB SQL underneath),
/// and against loopback stubs for the OAuth token endpoint and the documented PENDING/RUNNING
/// flow with string-typed JSON_ARRAY chunks that minilake never produces.
final class ExtractDatabricksTests: XCTestCase {
    private var api = ""
    private var warehouse = ""

    override func setUpWithError() throws {
        api = try CloudEmulators.url("WH_TEST_DATABRICKS_URL")
        warehouse = try CloudEmulators.url("WH_TEST_DATABRICKS_WAREHOUSE")
    }

    private func seed(_ sql: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try CloudEmulators.databricksSQL(api, warehouse: warehouse, sql, file: file, line: line)
    }

    private func extract(
        _ query: String, lastSyncTime: Int = 0, options: String = "", environment: [String: String] = [:],
        measureRSS: Bool = false
    ) throws -> ToolRun {
        try ToolRunner.run(
            "wh-extract", ["--query-text", query, "--last-sync-time", String(lastSyncTime)],
            environment: [
                "WH_SOURCE": "databricks://adb-1.azuredatabricks.net/\(warehouse)\(options)", "DATABRICKS_API_URL": api,
                "DATABRICKS_TOKEN": "dapi-secret",
            ].merging(environment) { $1 }, measureRSS: measureRSS)
    }

    func testEveryTypeAndNullMapsExactly() throws {
        let table = CloudEmulators.unique("types")
        try seed(
            "CREATE TABLE \(table) (id BIGINT, name STRING, amount DECIMAL(10,2), f DOUBLE, updated_at TIMESTAMP, d "
                + "DATE, ok BOOLEAN, arr INTEGER[], j JSON)"
        )
        try seed(
            """
            INSERT INTO \(table) VALUES (1, 'ünï "q"', 1.50, 2.5, TIMESTAMP '2024-01-02 03:04:05.123456', DATE '2024-01-02', true, [1, 2], '{"a":1}'),
                                        (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)
            """)
        let run = try extract("SELECT * FROM \(table) ORDER BY id")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(
            run.stdout,
            """
            {"id":1,"name":"ünï \\"q\\"","amount":1.50,"f":2.5,"updated_at":"2024-01-02T03:04:05.123456Z","d":"2024-01-02","ok":true,"arr":[1,2],"j":{"a":1}}
            {"id":2,"name":null,"amount":null,"f":null,"updated_at":null,"d":null,"ok":null,"arr":null,"j":null}

            """)
    }

    func testEveryChunkIsFollowedInOrder() throws {
        let run = try extract("SELECT i, 'r' || i AS s FROM range(0, 250000) t(i) ORDER BY i", measureRSS: true)
        XCTAssertEqual(run.status, 0, run.stderr)
        assertSequential(run.stdout, key: "i", from: 0, count: 250_000)
        XCTAssertLessThan(run.maxRSSKilobytes, 64 * 1024, "memory is bounded by one chunk, not the result")
    }

    func testInlineDispositionReadsEveryRowOnce() throws {
        // minilake's INLINE answer holds every row although its manifest claims three chunks; a
        // client counting chunks would read rows twice.
        let run = try extract("SELECT i FROM range(0, 250000) t(i) ORDER BY i", options: "?disposition=INLINE")
        XCTAssertEqual(run.status, 0, run.stderr)
        assertSequential(run.stdout, key: "i", from: 0, count: 250_000)
    }

    func testLastSyncTimeSelectsOnlyNewerRows() throws {
        let table = CloudEmulators.unique("events")
        try seed("CREATE TABLE \(table) AS SELECT i AS id, to_timestamp(i * 1000) AS updated_at FROM range(1, 4) t(i)")
        let query = "SELECT id FROM \(table) WHERE updated_at > to_timestamp({{last_sync_time}}) ORDER BY id"
        try assertLastSyncTimeFilters(key: "id") { try extract(query, lastSyncTime: $0) }
    }

    func testQueryErrorReportsDatabricksMessage() throws {
        let run = try extract("SELECT 1 +")
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.hasPrefix("wh-extract: query failed: SQL execution failed: Parser Error"), run.stderr)
        XCTAssertEqual(run.stderr.filter { $0 == "\n" }.count, 1, "one line per problem")
    }

    func testServicePrincipalIsExchangedForAToken() throws {
        let stub = try StubHTTPServer { request in
            let form = formFields(request.body)
            let basic = "Basic " + Data("sp-client:sp-secret".utf8).base64EncodedString()
            guard request.headers["authorization"] == basic, form["grant_type"] == "client_credentials",
                form["scope"] == "all-apis"
            else {
                return .init(401, #"{"error":"invalid_client","error_description":"Client authentication failed"}"#)
            }
            return .init(200, #"{"access_token":"eyJ-m2m","token_type":"Bearer","expires_in":3600,"scope":"all-apis"}"#)
        }
        let run = try extract(
            "SELECT 1 AS one",
            environment: [
                "DATABRICKS_TOKEN": "", "DATABRICKS_CLIENT_ID": "sp-client",
                "DATABRICKS_CLIENT_SECRET": "sp-secret", "DATABRICKS_TOKEN_URL": stub.url + "/oidc/v1/token",
            ])
        XCTAssertEqual(run.stdout, "{\"one\":1}\n", run.stderr)
        XCTAssertEqual(stub.requests.map(\.path), ["/oidc/v1/token"])
    }

    func testRefusedServicePrincipalFailsWithoutPrintingTheSecret() throws {
        let stub = try StubHTTPServer { _ in
            .init(401, #"{"error":"invalid_client","error_description":"Client authentication failed"}"#)
        }
        let run = try extract(
            "SELECT 1",
            environment: [
                "DATABRICKS_TOKEN": "", "DATABRICKS_CLIENT_ID": "sp-client",
                "DATABRICKS_CLIENT_SECRET": "sp-secret", "DATABRICKS_TOKEN_URL": stub.url + "/oidc/v1/token",
            ])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(
            run.stderr,
            "wh-extract: connection failed: Databricks OAuth token endpoint '\(stub.url)/oidc/v1/token': "
                + "authentication refused (HTTP 401): token request refused: invalid_client: Client authentication "
                + "failed\n"
        )
        XCTAssertFalse(run.stderr.contains("sp-secret"))
    }

    /// The documented flow: PENDING, RUNNING, SUCCEEDED; string values by `type_name`; the first
    /// chunk inline, the second via `next_chunk_internal_link` with an external link that must
    /// not receive the API token.
    func testDocumentedFlowWithChunksAndExternalLinks() throws {
        let polls = Counter()
        let stubURL = SharedText()
        let stub = try StubHTTPServer { request in
            switch (request.method, request.path) {
            case ("POST", "/api/2.0/sql/statements"): return .init(200, DatabricksDocumented.status("PENDING"))
            case ("GET", "/api/2.0/sql/statements/01ef-abc"):
                return polls.increment() == 0
                    ? .init(200, DatabricksDocumented.status("RUNNING")) : .init(200, DatabricksDocumented.succeeded)
            case ("GET", "/api/2.0/sql/statements/01ef-abc/result/chunks/1"):
                return .init(200, DatabricksDocumented.chunk1(stubURL.value.withLock { $0 }))
            case ("GET", "/presigned/chunk1?sig=x"):
                return request.headers["authorization"] == nil && request.headers["x-amz-sse"] == "AES256"
                    ? .init(200, DatabricksDocumented.chunk1Data) : .init(403, "AccessDenied")
            default: return .init(404, #"{"error_code":"NOT_FOUND","message":"no route"}"#)
            }
        }
        stubURL.value.withLock { $0 = stub.url }
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT * FROM typed"],
            environment: [
                "WH_SOURCE": "databricks://adb-1.azuredatabricks.net/wh1?catalog=main&schema=sales",
                "DATABRICKS_API_URL": stub.url, "DATABRICKS_TOKEN": "dapi-secret",
            ])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, DatabricksDocumented.expected)
        let body = try XCTUnwrap(JSONValue.parse(stub.requests[0].body).objectValue)
        XCTAssertEqual(body["warehouse_id"], .string("wh1"))
        XCTAssertEqual(body["catalog"], .string("main"))
        XCTAssertEqual(body["format"], .string("JSON_ARRAY"))
        XCTAssertEqual(stub.requests[0].headers["authorization"], "Bearer dapi-secret")
    }

    func testSIGINTCancelsTheStatementOnDatabricks() throws {
        let stub = try StubHTTPServer { request in
            request.path.hasSuffix("/cancel") ? .init(200, "{}") : .init(200, DatabricksDocumented.status("RUNNING"))
        }
        try assertSIGINTCancels(
            "SELECT * FROM big",
            environment: [
                "WH_SOURCE": "databricks://h/wh1", "DATABRICKS_API_URL": stub.url, "DATABRICKS_TOKEN": "dapi-t0k3n",
            ],
            stub: stub, cancelRequest: "POST /api/2.0/sql/statements/01ef-abc/cancel")
    }

    func testFailedStatementReportsTheErrorFromStatus() throws {
        let stub = try StubHTTPServer { _ in
            .init(
                200,
                #"{"statement_id":"01ef-abc","status":{"state":"FAILED","error":{"error_code":"BAD_REQUEST","message":"[TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found."}}}"#
            )
        }
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT * FROM nope"],
            environment: [
                "WH_SOURCE": "databricks://h/wh1", "DATABRICKS_API_URL": stub.url, "DATABRICKS_TOKEN": "dapi-t0k3n",
            ])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(
            run.stderr,
            "wh-extract: query failed: [TABLE_OR_VIEW_NOT_FOUND] The table or view `nope` cannot be found. "
                + "(BAD_REQUEST)\n"
        )
    }
}

/// Response bodies shaped as the Databricks SQL Statement Execution API documents them.
enum DatabricksDocumented {
    static func status(_ state: String) -> String { #"{"statement_id":"01ef-abc","status":{"state":"\#(state)"}}"# }

    static let columns = #"""
        [{"name":"id","type_text":"BIGINT","type_name":"LONG","position":0},
         {"name":"amount","type_text":"DECIMAL(10,2)","type_name":"DECIMAL","position":1,"type_precision":10,"type_scale":2},
         {"name":"ok","type_text":"BOOLEAN","type_name":"BOOLEAN","position":2},
         {"name":"at","type_text":"TIMESTAMP","type_name":"TIMESTAMP","position":3},
         {"name":"tags","type_text":"ARRAY<STRING>","type_name":"ARRAY","position":4},
         {"name":"attrs","type_text":"STRUCT<k: INT>","type_name":"STRUCT","position":5},
         {"name":"name","type_text":"STRING","type_name":"STRING","position":6}]
        """#
    static let succeeded = #"""
        {"statement_id":"01ef-abc","status":{"state":"SUCCEEDED"},
         "manifest":{"format":"JSON_ARRAY","schema":{"column_count":7,"columns":\#(columns)},"total_chunk_count":2,
                     "chunks":[{"chunk_index":0,"row_offset":0,"row_count":2},{"chunk_index":1,"row_offset":2,"row_count":1}],
                     "total_row_count":3,"truncated":false},
         "result":{"chunk_index":0,"row_offset":0,"row_count":2,"next_chunk_index":1,
                   "next_chunk_internal_link":"/api/2.0/sql/statements/01ef-abc/result/chunks/1",
                   "data_array":[["1","12.50","true","2024-01-02T03:04:05.123Z","[\"a\",\"b\"]","{\"k\":1}","ünï"],
                                 ["2",null,null,null,null,null,null]]}}
        """#
    static func chunk1(_ base: String) -> String {
        #"{"external_links":[{"chunk_index":1,"row_offset":2,"row_count":1,"byte_count":80,"external_link":"\#(base)/presigned/chunk1?sig=x","http_headers":{"x-amz-sse":"AES256"},"expiration":"2026-11-29T10:00:00.000Z"}]}"#
    }
    static let chunk1Data = #"[["3","-0.01","false","2024-01-02T05:04:05+02:00","[]","{\"k\":null}","x"]]"#
    static let expected = """
        {"id":1,"amount":12.50,"ok":true,"at":"2024-01-02T03:04:05.123Z","tags":["a","b"],"attrs":{"k":1},"name":"ünï"}
        {"id":2,"amount":null,"ok":null,"at":null,"tags":null,"attrs":null,"name":null}
        {"id":3,"amount":-0.01,"ok":false,"at":"2024-01-02T03:04:05Z","tags":[],"attrs":{"k":null},"name":"x"}

        """
}

/// Text set after a stub starts and read by its handler on another thread.
final class SharedText: Sendable {
    let value = Mutex("")
}
