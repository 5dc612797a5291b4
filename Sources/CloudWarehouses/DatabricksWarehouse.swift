import CurlHTTP
import JSONCodec
import SyncCore
import WarehouseCore

/// Databricks through the SQL Statement Execution API: `POST /api/2.0/sql/statements`, polling
/// `GET …/statements/{id}` while PENDING or RUNNING, then every chunk by following
/// `next_chunk_internal_link` (never by counting); row counts are checked against the manifest.
/// (Unchecked: it holds a `CloudClient`, used by the extracting thread alone.)
final class DatabricksWarehouse: CloudWarehouse, @unchecked Sendable {
    let location: DatabricksLocation
    let client: CloudClient
    let baseURL: String
    private let running = RunningStatement<String>()

    init(location: DatabricksLocation, baseURL: String, tokens: TokenSource, scrubber: SecretScrubber) {
        self.location = location
        self.baseURL = baseURL
        client = CloudClient(
            endpoint: "Databricks SQL warehouse '\(location.warehouseID)' at '\(location.host)'", tokens: tokens,
            scrubber: scrubber)
    }

    func stream<S: RowSink>(query: String, writer: inout JSONWriter, sink: inout S) throws(ExtractError) {
        try ReadOnlyQuery.check(query, dialect: .databricks)
        do throws(ExtractError) {
            var response = try client.send(
                "POST", baseURL + "/api/2.0/sql/statements", headers: CloudClient.jsonHeaders,
                body: statementRequest(query))
            var reader = DatabricksResultReader(client: client, baseURL: baseURL)
            var polls = 0
            while try !reader.readIfFinished(response, remember: running.remember, writer: &writer, sink: &sink) {
                polls += 1
                try client.pause(min(0.25 * Double(polls), 3))
                let id = running.current ?? ""
                response = try client.send(
                    "GET", baseURL + "/api/2.0/sql/statements/" + FormEncoding.escape(id),
                    headers: CloudClient.jsonHeaders)
            }
        } catch {
            if case .cancelled = error, let id = running.current {
                client.sendIgnoringCancel(
                    "POST", baseURL + "/api/2.0/sql/statements/" + FormEncoding.escape(id) + "/cancel")
            }
            throw error
        }
    }

    func statementRequest(_ query: String) -> [UInt8] {
        var body: JSONObject = [
            "warehouse_id": .string(location.warehouseID), "statement": .string(query), "wait_timeout": .string("30s"),
            "on_wait_timeout": .string("CONTINUE"), "disposition": .string(location.disposition),
            "format": .string("JSON_ARRAY"),
        ]
        if let catalog = location.catalog { body["catalog"] = .string(catalog) }
        if let schema = location.schema { body["schema"] = .string(schema) }
        return Array(JSONValue.object(body).serialized.utf8)
    }
}
