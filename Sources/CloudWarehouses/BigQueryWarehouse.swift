import CurlHTTP
import JSONCodec
import SyncCore
import WarehouseCore
import StreamIO

/// BigQuery through its REST API: `jobs.query`, then `jobs.getQueryResults` page by page
/// (`pageToken`, at most `pageSize` rows each), waiting while `jobComplete` is false.
/// (Unchecked: it holds a `CloudClient`, used by the extracting thread alone.)
final class BigQueryWarehouse: CloudWarehouse, @unchecked Sendable {
    let location: BigQueryLocation
    let client: CloudClient
    let baseURL: String
    private let running = RunningStatement<Job>()

    struct Job: Sendable {
        var id: String
        var location: String?
    }

    init(location: BigQueryLocation, baseURL: String, tokens: TokenSource, scrubber: SecretScrubber) {
        self.location = location
        self.baseURL = baseURL
        client = CloudClient(endpoint: "BigQuery project '\(location.project)'", tokens: tokens, scrubber: scrubber)
    }

    var projectURL: String { baseURL + "/bigquery/v2/projects/" + FormEncoding.escape(location.project) }

    func stream<S: RowSink>(query: String, writer: inout JSONWriter, sink: inout S) throws(ExtractError) {
        try ReadOnlyQuery.check(query, dialect: .bigquery)
        do throws(ExtractError) {
            var response = try client.send(
                "POST", projectURL + "/queries", headers: [.jsonBody], body: queryRequest(query))
            var rows: BigQueryRowWriter?
            var page = ResponsePage()
            var rowNumber = 0
            var polls = 0
            while true {
                let next = try readPage(
                    response, page: &page, rows: &rows, rowNumber: &rowNumber, writer: &writer, sink: &sink)
                guard let next else { return }
                if rows == nil {
                    // Still running. getQueryResults waits up to timeoutMs on the server, but a
                    // server that answers at once must not be polled in a busy loop.
                    polls += 1
                    try client.pause(min(0.1 * Double(polls), 1))
                }
                response = try client.send("GET", next)
            }
        } catch {
            if case .cancelled = error { cancelJob() }
            throw error
        }
    }

    /// The `jobs.query` body: standard SQL, bounded pages, exact int64 timestamps.
    func queryRequest(_ query: String) -> [UInt8] {
        var body: JSONObject = [
            "query": .string(query), "useLegacySql": .bool(false), "maxResults": .number(String(location.pageSize)),
            "timeoutMs": .number("10000"), "requestId": .string(RandomUUID.make()),
            "formatOptions": .object(["useInt64Timestamp": .bool(true)]),
        ]
        if let region = location.location { body["location"] = .string(region) }
        if let dataset = location.dataset {
            body["defaultDataset"] = .object(["projectId": .string(location.project), "datasetId": .string(dataset)])
        }
        return Array(JSONValue.object(body).serialized.utf8)
    }

    /// Writes one response's rows; returns the URL to fetch next (more rows, or the same job
    /// again while it runs), or nil when the result is complete.
    private func readPage<S: RowSink>(
        _ response: HTTPResponse, page: inout ResponsePage, rows: inout BigQueryRowWriter?,
        rowNumber: inout Int, writer: inout JSONWriter, sink: inout S
    ) throws(ExtractError) -> String? {
        guard response.status == 200 else { throw BigQueryErrors.error(from: response, client: client) }
        return try page.read(
            response.body,
            orFail: { .fetchFailed(reason: "BigQuery sent a response that is not JSON: \($0)", row: rowNumber + 1) }
        ) { (tape) throws(ExtractError) -> String? in
            if let failure = BigQueryErrors.failedJob(tape) { throw failure }
            guard let jobID = tape.member("jobReference", of: 0).flatMap({ tape.string("jobId", of: $0) }) else {
                throw client.unexpected(response, doing: "response without jobReference.jobId")
            }
            let region =
                tape.member("jobReference", of: 0).flatMap { tape.string("location", of: $0) } ?? location.location
            running.remember(Job(id: jobID, location: region))
            if let reported = BigQueryErrors.reportedErrors(tape) {
                try confirmJobSucceeded(jobID: jobID, region: region, reported: reported)
            }
            let complete = tape.member("jobComplete", of: 0).map { tape[$0].kind == .true } ?? false
            guard complete else { return resultsURL(jobID: jobID, region: region, pageToken: nil) }
            if rows == nil {
                let fields = BigQueryShape.fields(of: tape.value("schema", of: 0))
                guard !fields.isEmpty || tape.member("schema", of: 0) != nil else { throw .noResultSet }
                rows = BigQueryRowWriter(fields: fields)
            }
            for row in tape.member("rows", of: 0).map({ Array(tape.elements(ofArray: $0)) }) ?? [] {
                rowNumber += 1
                guard rows!.write(tape, row: row, into: &writer) else {
                    throw .fetchFailed(
                        reason: "BigQuery row is not of the form {\"f\":[{\"v\":…}]} with one cell per schema field",
                        row: rowNumber)
                }
                try sink.rowEncoded(&writer)
            }
            if client.isCancelled { throw .cancelled(signal: "signal") }
            if let token = tape.string("pageToken", of: 0) {
                return resultsURL(jobID: jobID, region: region, pageToken: token)
            }
            if let total = tape.string("totalRows", of: 0).flatMap({ Int($0) }), total != rowNumber {
                throw .fetchFailed(
                    reason: "BigQuery announced \(total) rows (totalRows) but the pages held \(rowNumber)",
                    row: rowNumber)
            }
            return nil
        }
    }

    func resultsURL(jobID: String, region: String?, pageToken: String?) -> String {
        var query = [
            ("maxResults", String(location.pageSize)), ("timeoutMs", "10000"),
            ("formatOptions.useInt64Timestamp", "true"),
        ]
        if let region { query.append(("location", region)) }
        if let pageToken { query.append(("pageToken", pageToken)) }
        return projectURL + "/queries/" + FormEncoding.escape(jobID) + "?" + FormEncoding.encode(query)
    }

    /// Asks the job whether the `errors` a response carried failed it. Only a job that says it
    /// finished without `errorResult` lets the rows through: a failed query must never read as
    /// an empty result (that would move last_sync_time past rows never read).
    private func confirmJobSucceeded(jobID: String, region: String?, reported: ExtractError) throws(ExtractError) {
        let query = region.map { "?location=" + FormEncoding.escape($0) } ?? ""
        let answer: HTTPResponse
        do throws(ExtractError) {
            answer = try client.send("GET", projectURL + "/jobs/" + FormEncoding.escape(jobID) + query)
        } catch {
            if case .cancelled = error { throw error }
            throw reported
        }
        guard answer.status == 200, let status = answer.jsonObject?["status"]?.objectValue,
            status["state"]?.stringValue == "DONE"
        else { throw reported }
        if let result = status["errorResult"]?.objectValue {
            throw BigQueryErrors.queryFailed(
                client.clean(result["message"]?.stringValue ?? "the job failed"), reason: result["reason"]?.stringValue)
        }
    }

    /// `jobs.cancel` for the running job, after a signal.
    private func cancelJob() {
        guard let job = running.current else { return }
        let query = job.location.map { "?location=" + FormEncoding.escape($0) } ?? ""
        client.sendIgnoringCancel("POST", projectURL + "/jobs/" + FormEncoding.escape(job.id) + "/cancel" + query)
    }
}
