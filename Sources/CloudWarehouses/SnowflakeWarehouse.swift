import CurlHTTP
import JSONCodec
import SyncCore
import WarehouseCore
import StreamIO

/// Snowflake through the SQL API v2: `POST /api/v2/statements`, polling
/// `GET /api/v2/statements/{handle}` while it answers 202, then every partition of the result
/// with `?partition=N`, checking each partition's row count against `partitionInfo`.
/// (Unchecked: it holds a `CloudClient`, used by the extracting thread alone.)
final class SnowflakeWarehouse: CloudWarehouse, @unchecked Sendable {
    let location: SnowflakeLocation
    let client: CloudClient
    let baseURL: String
    private let running = RunningStatement<String>()

    init(location: SnowflakeLocation, baseURL: String, tokens: TokenSource, scrubber: SecretScrubber) {
        self.location = location
        self.baseURL = baseURL
        client = CloudClient(endpoint: "Snowflake account '\(location.account)'", tokens: tokens, scrubber: scrubber)
    }

    func stream<S: RowSink>(query: String, writer: inout JSONWriter, sink: inout S) throws(ExtractError) {
        try ReadOnlyQuery.check(query, dialect: .snowflake)
        do throws(ExtractError) {
            // The same requestId on a resubmission (with retry=true) makes Snowflake answer with
            // the statement already running instead of starting it again.
            let submit = baseURL + "/api/v2/statements?requestId=" + RandomUUID.make()
            var response = try client.send(
                "POST", submit, headers: CloudClient.jsonHeaders, body: statementRequest(query),
                retryURL: submit + "&retry=true")
            var polls = 0
            while response.status == 202 {
                let handle = try statementHandle(response)
                polls += 1
                try client.pause(min(0.2 * Double(polls), 2))
                response = try client.send("GET", statementURL(handle), headers: CloudClient.jsonHeaders)
            }
            guard response.status == 200 else { throw SnowflakeErrors.error(from: response, client: client) }
            try readResult(response, writer: &writer, sink: &sink)
        } catch {
            if case .cancelled = error, let handle = running.current {
                client.sendIgnoringCancel("POST", statementURL(handle) + "/cancel", headers: CloudClient.jsonHeaders)
            }
            throw error
        }
    }

    func statementRequest(_ query: String) -> [UInt8] {
        // One statement per request: Snowflake refuses a second one instead of running it.
        var body: JSONObject = [
            "statement": .string(query), "parameters": .object(["MULTI_STATEMENT_COUNT": .string("1")]),
        ]
        if let database = location.database { body["database"] = .string(database) }
        if let schema = location.schema { body["schema"] = .string(schema) }
        if let warehouse = location.warehouse { body["warehouse"] = .string(warehouse) }
        if let role = location.role { body["role"] = .string(role) }
        return Array(JSONValue.object(body).serialized.utf8)
    }

    func statementURL(_ handle: String) -> String { baseURL + "/api/v2/statements/" + FormEncoding.escape(handle) }

    private func statementHandle(_ response: HTTPResponse) throws(ExtractError) -> String {
        guard let object = response.jsonObject,
            let handle = object["statementHandle"]?.stringValue
        else {
            throw client.unexpected(response, doing: "statement status without statementHandle")
        }
        running.remember(handle)
        return handle
    }

    /// Partition 0 comes with the result set; the others are fetched in order.
    private func readResult<S: RowSink>(_ first: HTTPResponse, writer: inout JSONWriter, sink: inout S)
        throws(ExtractError)
    {
        var page = ResponsePage()
        var rows: ArrayRowWriter?
        var expected: [Int?] = []
        var handle = ""
        var rowNumber = 0
        try page.read(
            first.body, orFail: { .fetchFailed(reason: "Snowflake sent a result that is not JSON: \($0)", row: 1) }
        ) { (tape) throws(ExtractError) in
            // A statement that failed is never an empty result, whatever the HTTP status said.
            if let state = tape.string("sqlState", of: 0), state != "00000" {
                throw ExtractError.queryFailed(
                    reason: client.clean(tape.string("message", of: 0) ?? "the statement failed"), line: nil,
                    column: nil, detail: "SQL state \(state)")
            }
            guard let meta = tape.member("resultSetMetaData", of: 0) else { throw ExtractError.noResultSet }
            handle = tape.string("statementHandle", of: 0) ?? ""
            running.remember(handle)
            rows = ArrayRowWriter(columns: SnowflakeTypes.columns(of: tape.value("rowType", of: meta)))
            expected = Self.partitionRowCounts(tape.value("partitionInfo", of: meta))
            try writeRows(
                tape, partition: 0, expected: expected.first ?? nil, rows: &rows!, rowNumber: &rowNumber,
                writer: &writer, sink: &sink)
        }
        guard expected.count > 1 else { return }
        for partition in 1..<expected.count {
            let response = try client.send(
                "GET", statementURL(handle) + "?partition=\(partition)", headers: CloudClient.jsonHeaders)
            guard response.status == 200 else { throw SnowflakeErrors.error(from: response, client: client) }
            try page.read(
                response.body,
                orFail: {
                    .fetchFailed(reason: "Snowflake partition \(partition) is not JSON: \($0)", row: rowNumber + 1)
                }
            ) { (tape) throws(ExtractError) in
                try writeRows(
                    tape, partition: partition, expected: expected[partition], rows: &rows!, rowNumber: &rowNumber,
                    writer: &writer, sink: &sink)
            }
        }
    }

    private func writeRows<S: RowSink>(
        _ tape: JSONTape, partition: Int, expected: Int?, rows: inout ArrayRowWriter,
        rowNumber: inout Int, writer: inout JSONWriter, sink: inout S
    ) throws(ExtractError) {
        let list = tape.member("data", of: 0).map { Array(tape.elements(ofArray: $0)) } ?? []
        if let expected, expected != list.count {
            throw .fetchFailed(
                reason:
                    "Snowflake partition \(partition) held \(list.count) rows, but partitionInfo announced \(expected)",
                row: rowNumber + 1)
        }
        for row in list {
            rowNumber += 1
            guard rows.write(tape, row: row, into: &writer) else {
                throw .fetchFailed(
                    reason: "Snowflake row is not an array of \(rows.columnCount) values", row: rowNumber)
            }
            try sink.rowEncoded(&writer)
        }
        if client.isCancelled { throw .cancelled(signal: "signal") }
    }

    static func partitionRowCounts(_ info: JSONValue?) -> [Int?] {
        guard case .array(let list)? = info, !list.isEmpty else { return [nil] }
        return list.map { item in
            guard case .number(let n)? = item.objectValue?["rowCount"] else { return nil }
            return Int(n)
        }
    }
}
