import Crypto
import Foundation
import JSONCodec
import XCTest
import _CryptoExtras

/// The warehouse emulators `scripts/test` starts (see scripts/warehouse-emulators).
enum CloudEmulators {
    static func url(_ name: String) throws -> String {
        if let url = ProcessInfo.processInfo.environment[name], !url.isEmpty { return url }
        if ProcessInfo.processInfo.environment["CV_REQUIRE_SERVERS"] == "1" {
            XCTFail("\(name) is not set although CV_REQUIRE_SERVERS=1")
        }
        throw XCTSkip("no \(name): run the suite with scripts/test, which starts the warehouse emulators")
    }

    /// Runs SQL that writes (test set-up) through the stand-in's own statement API: wh-extract
    /// refuses anything but a single SELECT.
    static func snowflakeSQL(_ api: String, _ sql: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let body = JSONValue.object([
            "statement": .string(sql), "database": .string("DB1"), "schema": .string("PUBLIC"),
            "warehouse": .string("WH"),
        ])
        let response = try HTTP.post(
            api + "/api/v2/statements", body.serialized,
            headers: ["Authorization": "Bearer test", "Content-Type": "application/json", "Accept": "application/json"])
        XCTAssertEqual(response.status, 200, response.body, file: file, line: line)
    }

    static func databricksSQL(
        _ api: String, warehouse: String, _ sql: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let body = JSONValue.object([
            "statement": .string(sql), "warehouse_id": .string(warehouse), "wait_timeout": .string("30s"),
        ])
        let response = try HTTP.post(
            api + "/api/2.0/sql/statements", body.serialized,
            headers: ["Authorization": "Bearer dapi-test", "Content-Type": "application/json"])
        XCTAssertEqual(response.status, 200, response.body, file: file, line: line)
        XCTAssertEqual(
            response.json?.objectValue?["status"]?.objectValue?["state"], .string("SUCCEEDED"), response.body,
            file: file, line: line)
    }

    /// A unique name so tests can run again against the same emulator.
    static func unique(_ prefix: String) -> String { "\(prefix)_\(UInt32.random(in: 0...UInt32.max))" }
}

/// A fresh RSA key written as PKCS#8 PEM, and JWT checks made the way the vendors make them.
struct TestKey {
    let key: _RSA.Signing.PrivateKey
    let pemPath: String

    init() throws {
        key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        pemPath = NSTemporaryDirectory() + "wh-test-key-\(UUID().uuidString).p8"
        try key.pkcs8PEMRepresentation.write(toFile: pemPath, atomically: true, encoding: .utf8)
    }

    var fingerprint: String {
        "SHA256:" + Data(SHA256.hash(data: key.publicKey.derRepresentation)).base64EncodedString()
    }

    /// The claims of an RS256 JWT signed by this key; nil when the signature or header is wrong.
    func verifiedClaims(_ jwt: String) -> JSONObject? {
        let parts = jwt.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, let header = Self.decode(parts[0]), let claims = Self.decode(parts[1]),
            let signature = Self.base64URL(parts[2])
        else { return nil }
        guard (try? JSONValue.parse(String(decoding: header, as: UTF8.self)))?.objectValue?["alg"] == .string("RS256")
        else { return nil }
        let valid = key.publicKey.isValidSignature(
            _RSA.Signing.RSASignature(rawRepresentation: signature),
            for: SHA256.hash(data: Data((parts[0] + "." + parts[1]).utf8)), padding: .insecurePKCS1v1_5)
        return valid ? (try? JSONValue.parse(String(decoding: claims, as: UTF8.self)))?.objectValue : nil
    }

    static func decode(_ part: String) -> Data? { base64URL(part) }

    static func base64URL(_ text: String) -> Data? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)
    }
}

/// Form fields of an `application/x-www-form-urlencoded` body.
func formFields(_ body: String) -> [String: String] {
    var out: [String: String] = [:]
    for pair in body.split(separator: "&") {
        let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
        out[kv[0]] = kv.count > 1 ? kv[1] : ""
    }
    return out
}

/// Checks that NDJSON lines carry `"key":0…n-1` (or 1…n) in order: every row once, none missing.
func assertSequential(
    _ stdout: String, key: String, from first: Int, count: Int, file: StaticString = #filePath, line: UInt = #line
) {
    let lines = stdout.split(separator: "\n")
    XCTAssertEqual(lines.count, count, "row count", file: file, line: line)
    for (k, row) in lines.enumerated() {
        let prefix = "{\"\(key)\":\(first + k)"
        guard
            row.hasPrefix(prefix + ",") || row.hasPrefix(prefix + "}") || row.hasPrefix("{\"\(key)\":\"\(first + k)\"")
        else {
            return XCTFail("row \(k + 1) is \(row.prefix(80)), expected \(key) \(first + k)", file: file, line: line)
        }
    }
}

/// The incremental contract on a table of ids 1, 2, 3 updated at Unix seconds 1000, 2000, 3000:
/// `{{last_sync_time}}` 0 reads all three, 1500 only the two newer ones. `value` renders an id
/// as the warehouse sends it.
func assertLastSyncTimeFilters(
    key: String, value: (Int) -> String = { String($0) }, file: StaticString = #filePath, line: UInt = #line,
    _ extract: (Int) throws -> ToolRun
) throws {
    func rows(_ ids: [Int]) -> String { ids.map { "{\"\(key)\":\(value($0))}\n" }.joined() }
    XCTAssertEqual(try extract(0).stdout, rows([1, 2, 3]), file: file, line: line)
    XCTAssertEqual(try extract(1500).stdout, rows([2, 3]), file: file, line: line)
}

/// Runs wh-extract on a statement that never finishes (the stub keeps saying it runs), sends
/// SIGINT once wh-extract has polled the running statement, and checks the report and that the
/// last request was the vendor's cancel.
func assertSIGINTCancels(
    _ query: String, environment: [String: String], stub: StubHTTPServer, cancelRequest: String,
    file: StaticString = #filePath, line: UInt = #line
) throws {
    let run = try ToolRunner.run(
        "wh-extract", ["--query-text", query], environment: environment,
        onStart: { pid in
            DispatchQueue.global().async {
                // The statement was submitted and polled at least once: it is running.
                Waits.until { stub.requests.count >= 2 }
                kill(pid, SIGINT)
            }
        })
    XCTAssertEqual(run.status, 1, file: file, line: line)
    XCTAssertEqual(
        run.stderr, "wh-extract: cancelled by SIGINT; the query was cancelled on the warehouse\n", file: file,
        line: line)
    XCTAssertEqual(stub.requests.last.map { "\($0.method) \($0.path)" }, cancelRequest, file: file, line: line)
}

/// One implementation of BigQuery's REST API on loopback (crucible-emulator or bqemulator), and
/// wh-extract pointed at it: the BigQuery tests run on both.
struct BigQueryEmulator {
    let api: String
    let project = "wh-test"

    init(_ variable: String) throws {
        api = try CloudEmulators.url(variable)
        _ = try HTTP.post(
            api + "/bigquery/v2/projects/\(project)/datasets",
            #"{"datasetReference":{"projectId":"wh-test","datasetId":"ds"}}"#)
    }

    /// Test set-up through the emulator's own query API (wh-extract only reads).
    func runSQL(_ sql: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let body = JSONValue.object(["query": .string(sql), "useLegacySql": .bool(false)]).serialized
        let response = try HTTP.post(api + "/bigquery/v2/projects/\(project)/queries", body)
        XCTAssertEqual(response.status, 200, response.body, file: file, line: line)
        XCTAssertFalse(response.body.contains("\"errors\""), response.body, file: file, line: line)
    }

    func extract(
        _ query: String, source: String? = nil, lastSyncTime: Int = 0, environment: [String: String] = [:],
        measureRSS: Bool = false
    ) throws -> ToolRun {
        try ToolRunner.run(
            "wh-extract", ["--query-text", query, "--last-sync-time", String(lastSyncTime)],
            environment: [
                "WH_SOURCE": source ?? "bigquery://\(project)", "BIGQUERY_API_URL": api,
                "BIGQUERY_ACCESS_TOKEN": "ya29.test-token",
            ].merging(environment) { $1 }, measureRSS: measureRSS)
    }
}

extension BigQueryEmulator {
    /// Every BigQuery type and a NULL of each, written exactly: the same rows from either
    /// implementation of the API.
    func assertEveryTypeAndNullMapsExactly(file: StaticString = #filePath, line: UInt = #line) throws {
        let table = CloudEmulators.unique("types")
        try runSQL(
            """
            CREATE TABLE ds.\(table) AS
            SELECT 1 AS id, NUMERIC "12345678.123456789" AS n, 1.5 AS f, TRUE AS b, "ünï \\"q\\"" AS s, b"abc" AS byt,
                   DATE "2024-01-02" AS d, DATETIME "2024-01-02 03:04:05.5" AS dt, TIME "12:34:56" AS tm,
                   TIMESTAMP "2024-01-02 03:04:05.123456 UTC" AS ts, JSON '{"k":[1,2]}' AS j, [1,2] AS arr,
                   STRUCT(1 AS a, "y" AS b) AS st, 9223372036854775807 AS big
            UNION ALL
            SELECT 2, CAST(NULL AS NUMERIC), CAST(NULL AS FLOAT64), CAST(NULL AS BOOL), CAST(NULL AS STRING), CAST(NULL AS BYTES),
                   CAST(NULL AS DATE), CAST(NULL AS DATETIME), CAST(NULL AS TIME), CAST(NULL AS TIMESTAMP), CAST(NULL AS JSON),
                   CAST([] AS ARRAY<INT64>), CAST(NULL AS STRUCT<a INT64, b STRING>), CAST(NULL AS INT64)
            """, file: file, line: line)
        let run = try extract("SELECT * FROM ds.\(table) ORDER BY id")
        XCTAssertEqual(run.status, 0, run.stderr, file: file, line: line)
        XCTAssertEqual(
            run.stdout,
            """
            {"id":1,"n":12345678.123456789,"f":1.5,"b":true,"s":"ünï \\"q\\"","byt":"YWJj","d":"2024-01-02","dt":"2024-01-02T03:04:05.5Z","tm":"12:34:56","ts":"2024-01-02T03:04:05.123456Z","j":{"k":[1,2]},"arr":[1,2],"st":{"a":1,"b":"y"},"big":9223372036854775807}
            {"id":2,"n":null,"f":null,"b":null,"s":null,"byt":null,"d":null,"dt":null,"tm":null,"ts":null,"j":null,"arr":[],"st":null,"big":null}

            """, file: file, line: line)
    }
}
