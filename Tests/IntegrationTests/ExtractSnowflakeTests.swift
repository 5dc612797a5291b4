import Foundation
import JSONCodec
import XCTest

/// wh-extract against snowduck (Snowflake SQL API v2: flow, partitions; it types every column
/// TEXT), and against a loopback stub serving Snowflake's documented typed responses, key-pair
/// checks, a running statement, a rate limit and a cancel.
final class ExtractSnowflakeTests: XCTestCase {
    private var api = ""

    override func setUpWithError() throws {
        api = try CloudEmulators.url("WH_TEST_SNOWFLAKE_URL")
    }

    private func extract(
        _ query: String, lastSyncTime: Int = 0, api: String? = nil, environment: [String: String] = [:],
        measureRSS: Bool = false
    ) throws -> ToolRun {
        try ToolRunner.run(
            "wh-extract", ["--query-text", query, "--last-sync-time", String(lastSyncTime)],
            environment: [
                "WH_SOURCE": "snowflake://wh_test/DB1/PUBLIC?warehouse=WH", "SNOWFLAKE_API_URL": api ?? self.api,
                "SNOWFLAKE_TOKEN": "oauth-secret",
            ].merging(environment) { $1 }, measureRSS: measureRSS)
    }

    func testEveryColumnAndNullArrive() throws {
        let table = CloudEmulators.unique("TYPES")
        try CloudEmulators.snowflakeSQL(
            api,
            "CREATE TABLE \(table) (id INT, name VARCHAR, amount NUMBER(10,2), f FLOAT, ts TIMESTAMP_NTZ, d DATE, ok "
                + "BOOLEAN, v VARIANT)"
        )
        try CloudEmulators.snowflakeSQL(
            api,
            """
            INSERT INTO \(table) SELECT 1, 'ünï "q"', 1.50, 2.5, '2024-01-02 03:04:05.123456'::TIMESTAMP_NTZ, '2024-01-02'::DATE, TRUE, PARSE_JSON('{"k":[1,2]}')
            UNION ALL SELECT 2, NULL, NULL, NULL, NULL, NULL, NULL, NULL
            """)
        let run = try extract("SELECT * FROM \(table) ORDER BY id")
        XCTAssertEqual(run.status, 0, run.stderr)
        // snowduck reports every column as TEXT (its documented bug), so values stay text here;
        // typed conversion is tested against the documented shapes in testTypedResult….
        XCTAssertEqual(
            run.stdout,
            """
            {"ID":"1","NAME":"ünï \\"q\\"","AMOUNT":"1.50","F":"2.5","TS":"2024-01-02 03:04:05.123456","D":"2024-01-02","OK":"True","V":"{\\"k\\":[1,2]}"}
            {"ID":"2","NAME":null,"AMOUNT":null,"F":null,"TS":null,"D":null,"OK":null,"V":null}

            """)
    }

    func testEveryPartitionIsFetchedInOrder() throws {
        let run = try extract(
            "SELECT seq4() AS i, 'row' || seq4() AS label FROM TABLE(GENERATOR(ROWCOUNT => 100000))", measureRSS: true)
        XCTAssertEqual(run.status, 0, run.stderr)
        assertSequential(run.stdout, key: "I", from: 0, count: 100_000)
        XCTAssertLessThan(run.maxRSSKilobytes, 64 * 1024, "memory is bounded by one partition, not the result")
    }

    func testLastSyncTimeSelectsOnlyNewerRows() throws {
        let table = CloudEmulators.unique("EV")
        try CloudEmulators.snowflakeSQL(api, "CREATE TABLE \(table) (id INT, updated_at TIMESTAMP_NTZ)")
        try CloudEmulators.snowflakeSQL(
            api,
            "INSERT INTO \(table) VALUES (1, TO_TIMESTAMP_NTZ(1000)), (2, TO_TIMESTAMP_NTZ(2000)), (3, "
                + "TO_TIMESTAMP_NTZ(3000))"
        )
        let query = "SELECT id FROM \(table) WHERE updated_at > TO_TIMESTAMP_NTZ({{last_sync_time}}) ORDER BY id"
        try assertLastSyncTimeFilters(key: "ID", value: { "\"\($0)\"" }) { try extract(query, lastSyncTime: $0) }
    }

    func testQueryErrorReportsSnowflakesMessage() throws {
        let run = try extract("SELECT * FROM NO_SUCH_TABLE")
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.hasPrefix("wh-extract: query failed: 002003"), run.stderr)
        XCTAssertTrue(run.stderr.contains("NO_SUCH_TABLE"), run.stderr)
    }

    func testRefusedJWTFailsWithoutPrintingTheToken() throws {
        let stub = try StubHTTPServer { _ in .init(401, #"{"code":"390144","message":"JWT token is invalid."}"#) }
        let run = try extract("SELECT 1", api: stub.url, environment: ["SNOWFLAKE_TOKEN": "oauth-secret"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(
            run.stderr,
            "wh-extract: connection failed: Snowflake account 'wh_test': authentication refused (HTTP 401): JWT "
                + "token is invalid. (code 390144)\n"
        )
        XCTAssertEqual(stub.requests.first?.headers["x-snowflake-authorization-token-type"], "OAUTH")
    }

    /// The documented flow: 202 while running, then a typed `jsonv2` result in two partitions,
    /// authenticated by a key-pair JWT the stub verifies.
    func testTypedResultAfterRunningWithKeyPairJWT() throws {
        let key = try TestKey()
        let polls = Counter()
        let stub = try StubHTTPServer { request in
            guard let auth = request.headers["authorization"], auth.hasPrefix("Bearer "),
                let claims = key.verifiedClaims(String(auth.dropFirst(7))),
                claims["iss"] == .string("WH_TEST.SYNC_USER." + key.fingerprint),
                claims["sub"] == .string("WH_TEST.SYNC_USER"),
                request.headers["x-snowflake-authorization-token-type"] == "KEYPAIR_JWT"
            else {
                return .init(401, #"{"code":"390144","message":"JWT token is invalid."}"#)
            }
            if request.method == "POST" { return .init(202, SnowflakeDocumented.running) }
            if request.path.hasSuffix("partition=1") { return .init(200, SnowflakeDocumented.partition1) }
            return polls.increment() < 2
                ? .init(202, SnowflakeDocumented.running) : .init(200, SnowflakeDocumented.result)
        }
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT * FROM typed", "--credentials", key.pemPath],
            environment: ["WH_SOURCE": "snowflake://wh_test/DB1/PUBLIC?user=sync_user", "SNOWFLAKE_API_URL": stub.url])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, SnowflakeDocumented.expected)
        let paths = stub.requests.map {
            "\($0.method) "
                + "\($0.path.split(separator: "?").first!)\($0.path.contains("partition=1") ? "?partition=1" : "")"
        }
        XCTAssertEqual(
            paths,
            [
                "POST /api/v2/statements", "GET /api/v2/statements/01b2c3d4-0000-1111-0000-000000000001",
                "GET /api/v2/statements/01b2c3d4-0000-1111-0000-000000000001",
                "GET /api/v2/statements/01b2c3d4-0000-1111-0000-000000000001",
                "GET /api/v2/statements/01b2c3d4-0000-1111-0000-000000000001?partition=1",
            ])
        let body = try XCTUnwrap(JSONValue.parse(stub.requests[0].body).objectValue)
        XCTAssertEqual(body["statement"], .string("SELECT * FROM typed"))
        XCTAssertEqual(body["database"], .string("DB1"))
        XCTAssertTrue(stub.requests[0].path.contains("requestId="))
    }

    func testRateLimitIsRetriedAfterTheAnnouncedDelay() throws {
        let calls = Counter()
        let stub = try StubHTTPServer { _ in
            calls.increment() == 0
                ? .init(
                    429, #"{"code":"000429","message":"Too many requests"}"#,
                    headers: ["Retry-After": "1", "Content-Type": "application/json"])
                : .init(200, SnowflakeDocumented.singlePartition)
        }
        let started = Date()
        let run = try extract("SELECT 1", api: stub.url)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "{\"N\":1}\n")
        XCTAssertEqual(stub.requests.count, 2)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.9)
        let first = try XCTUnwrap(stub.requests.first?.path)
        let second = try XCTUnwrap(stub.requests.last?.path)
        XCTAssertEqual(second, first + "&retry=true", "a resubmission keeps its requestId and says it is a retry")
    }

    func testAPartitionShorterThanAnnouncedIsAnError() throws {
        let stub = try StubHTTPServer { request in
            request.path.contains("partition=1")
                ? .init(200, #"{"data":[["3"]]}"#)
                : .init(
                    200,
                    #"{"resultSetMetaData":{"numRows":4,"partitionInfo":[{"rowCount":2},{"rowCount":2}],"rowType":[{"name":"N","type":"fixed","scale":0}]},"data":[["1"],["2"]],"statementHandle":"h1"}"#
                )
        }
        let run = try extract("SELECT n FROM t", api: stub.url)
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(
            run.stderr,
            "wh-extract: fetching row 3 failed: Snowflake partition 1 held 1 rows, but partitionInfo announced 2\n")
    }

    /// A 200 answer whose sqlState says the statement failed is a failure, never zero rows.
    func testAFailedStatementIsNeverAnEmptyResult() throws {
        let stub = try StubHTTPServer { _ in
            .init(
                200,
                #"{"code":"002003","sqlState":"42S02","message":"Object 'T' does not exist.","statementHandle":"h1","resultSetMetaData":{"numRows":0,"partitionInfo":[{"rowCount":0}],"rowType":[]},"data":[]}"#
            )
        }
        let run = try extract("SELECT n FROM t", api: stub.url)
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "")
        XCTAssertEqual(run.stderr, "wh-extract: query failed: Object 'T' does not exist. (SQL state 42S02)\n")
    }

    func testSIGINTCancelsTheStatementOnSnowflake() throws {
        let stub = try StubHTTPServer { request in
            request.path.hasSuffix("/cancel")
                ? .init(200, #"{"code":"000604","message":"Statement aborted"}"#)
                : .init(202, SnowflakeDocumented.running)
        }
        try assertSIGINTCancels(
            "SELECT SYSTEM$WAIT(600)",
            environment: [
                "WH_SOURCE": "snowflake://wh_test/DB1/PUBLIC", "SNOWFLAKE_API_URL": stub.url,
                "SNOWFLAKE_TOKEN": "oauth-t0k3n",
            ],
            stub: stub, cancelRequest: "POST /api/v2/statements/01b2c3d4-0000-1111-0000-000000000001/cancel")
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    /// Returns the count before this call.
    @discardableResult
    func increment() -> Int {
        lock.withLock {
            value += 1
            return value - 1
        }
    }
}

/// Response bodies shaped as Snowflake's SQL API reference documents them: QueryStatus for a
/// running statement, ResultSet with lowercase `rowType` types and `partitionInfo`, values as
/// strings in the `jsonv2` encodings (DATE days, TIME and TIMESTAMP_* epoch seconds with nine
/// decimals, TIMESTAMP_TZ with its offset code, BINARY hex).
enum SnowflakeDocumented {
    static let handle = "01b2c3d4-0000-1111-0000-000000000001"
    static let running =
        #"{"code":"333334","message":"Asynchronous execution in progress. Use provided query id to perform query monitoring and management.","statementHandle":"\#(handle)","statementStatusUrl":"/api/v2/statements/\#(handle)"}"#
    static let rowType = #"""
        [{"name":"ID","type":"fixed","length":0,"precision":38,"scale":0,"nullable":false},
         {"name":"AMOUNT","type":"fixed","length":0,"precision":10,"scale":2,"nullable":true},
         {"name":"RATIO","type":"real","length":0,"precision":0,"scale":0,"nullable":true},
         {"name":"NAME","type":"text","length":16777216,"precision":0,"scale":0,"nullable":true},
         {"name":"OK","type":"boolean","length":0,"precision":0,"scale":0,"nullable":true},
         {"name":"BORN","type":"date","length":0,"precision":0,"scale":0,"nullable":true},
         {"name":"AT_TIME","type":"time","length":0,"precision":0,"scale":9,"nullable":true},
         {"name":"NTZ","type":"timestamp_ntz","length":0,"precision":0,"scale":9,"nullable":true},
         {"name":"LTZ","type":"timestamp_ltz","length":0,"precision":0,"scale":9,"nullable":true},
         {"name":"TZ","type":"timestamp_tz","length":0,"precision":0,"scale":9,"nullable":true},
         {"name":"V","type":"variant","length":16777216,"precision":0,"scale":0,"nullable":true},
         {"name":"BIN","type":"binary","length":8388608,"precision":0,"scale":0,"nullable":true}]
        """#
    static let result = #"""
        {"resultSetMetaData":{"numRows":3,"format":"jsonv2","partitionInfo":[{"rowCount":2,"uncompressedSize":610},{"rowCount":1,"uncompressedSize":120}],
         "rowType":\#(rowType)},
         "data":[["1","12345678901234567890.25","1.5e-3","ünï","true","19724","45296.500000000","1704164645.123456000","1704164645.000000000","1704164645.123456000 1560","{\n  \"k\": [1, 2]\n}","616263"],
                 ["2",null,null,null,null,null,null,null,null,null,null,null]],
         "code":"090001","statementStatusUrl":"/api/v2/statements/\#(handle)?requestId=x","requestId":"x","sqlState":"00000",
         "statementHandle":"\#(handle)","message":"Statement executed successfully.","createdOn":1704164645000}
        """#
    static let partition1 =
        #"{"data":[["3","-0.50","NaN","x","false","-1","0.000000000","-1.500000000","0.000000000","0.000000000 1440","[]",""]]}"#
    static let expected = """
        {"ID":1,"AMOUNT":12345678901234567890.25,"RATIO":1.5e-3,"NAME":"ünï","OK":true,"BORN":"2024-01-02","AT_TIME":"12:34:56.5","NTZ":"2024-01-02T03:04:05.123456Z","LTZ":"2024-01-02T03:04:05Z","TZ":"2024-01-02T03:04:05.123456Z","V":{"k":[1,2]},"BIN":"YWJj"}
        {"ID":2,"AMOUNT":null,"RATIO":null,"NAME":null,"OK":null,"BORN":null,"AT_TIME":null,"NTZ":null,"LTZ":null,"TZ":null,"V":null,"BIN":null}
        {"ID":3,"AMOUNT":-0.50,"RATIO":"NaN","NAME":"x","OK":false,"BORN":"1969-12-31","AT_TIME":"00:00:00","NTZ":"1969-12-31T23:59:58.5Z","LTZ":"1970-01-01T00:00:00Z","TZ":"1970-01-01T00:00:00Z","V":[],"BIN":""}

        """
    static let singlePartition =
        #"{"resultSetMetaData":{"numRows":1,"format":"jsonv2","partitionInfo":[{"rowCount":1}],"rowType":[{"name":"N","type":"fixed","scale":0}]},"data":[["1"]],"code":"090001","statementHandle":"\#(handle)"}"#
}
