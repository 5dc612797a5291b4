import SyncCore

/// `bigquery://PROJECT[?location=…&dataset=…&page_size=…]`
public struct BigQueryLocation: Equatable, Sendable {
    public var project: String
    public var location: String?
    public var dataset: String?
    /// Rows per result page (`maxResults`); BigQuery also caps a page at about 10 MB.
    public var pageSize: Int
}

/// `snowflake://ACCOUNT/DATABASE/SCHEMA?warehouse=…&role=…&user=…`
public struct SnowflakeLocation: Equatable, Sendable {
    public var account: String
    public var database: String?
    public var schema: String?
    public var warehouse: String?
    public var role: String?
    public var user: String?
}

/// `databricks://HOST/WAREHOUSE_ID[?catalog=…&schema=…&client_id=…&disposition=…]`
public struct DatabricksLocation: Equatable, Sendable {
    public var host: String
    public var warehouseID: String
    public var catalog: String?
    public var schema: String?
    public var clientID: String?
    /// `EXTERNAL_LINKS` (the default: no 25 MiB limit) or `INLINE`.
    public var disposition: String
}

/// Parses the cloud warehouses' source URLs. Every query parameter must be known, so a typo is
/// an error instead of a silently ignored setting; credentials never go in the URL.
enum CloudSourceURL {
    static func parse(_ text: String, scheme: String) throws(SourceError) -> (
        host: String, path: [String], query: [String: String]
    ) {
        var rest = Substring(text.dropFirst(scheme.count + 3))
        var queryText = Substring("")
        if let q = rest.firstIndex(of: "?") {
            queryText = rest[rest.index(after: q)...]
            rest = rest[..<q]
        }
        let parts = rest.split(separator: "/", omittingEmptySubsequences: true).map {
            URLUserInfo.percentDecoded(String($0))
        }
        guard let host = parts.first, !host.isEmpty else {
            throw .missingHost(scheme: scheme)
        }
        if host.contains("@") {
            throw .credentialsInURL(scheme: scheme, parameter: nil)
        }
        var query: [String: String] = [:]
        for pair in queryText.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            query[URLUserInfo.percentDecoded(String(kv[0])).lowercased()] =
                kv.count > 1 ? URLUserInfo.percentDecoded(String(kv[1])) : ""
        }
        return (host, Array(parts.dropFirst()), query)
    }

    static func checkKnown(_ query: [String: String], _ known: [String], scheme: String) throws(SourceError) {
        for key in query.keys.sorted() where !known.contains(key) {
            if ["password", "token", "secret", "client_secret", "private_key"].contains(key) {
                throw .credentialsInURL(scheme: scheme, parameter: key)
            }
            throw .unknownParameter(scheme: scheme, parameter: key, known: known)
        }
    }

    static func bigQuery(_ text: String) throws(SourceError) -> BigQueryLocation {
        let (project, path, query) = try parse(text, scheme: "bigquery")
        try checkKnown(query, ["location", "dataset", "page_size"], scheme: "bigquery")
        guard path.isEmpty else {
            throw .badPath(scheme: "bigquery", expected: "bigquery://PROJECT[?location=…&dataset=…], no path")
        }
        let pageSize = try pageSizeValue(query["page_size"], default: 10_000, range: 1...100_000, scheme: "bigquery")
        return BigQueryLocation(
            project: project, location: query["location"], dataset: query["dataset"], pageSize: pageSize)
    }

    static func snowflake(_ text: String) throws(SourceError) -> SnowflakeLocation {
        let (account, path, query) = try parse(text, scheme: "snowflake")
        try checkKnown(query, ["warehouse", "role", "user"], scheme: "snowflake")
        guard path.count <= 2 else {
            throw .badPath(scheme: "snowflake", expected: "snowflake://ACCOUNT/DATABASE/SCHEMA")
        }
        return SnowflakeLocation(
            account: account, database: path.first, schema: path.count > 1 ? path[1] : nil,
            warehouse: query["warehouse"], role: query["role"], user: query["user"])
    }

    static func databricks(_ text: String) throws(SourceError) -> DatabricksLocation {
        let (host, path, query) = try parse(text, scheme: "databricks")
        try checkKnown(query, ["catalog", "schema", "client_id", "disposition"], scheme: "databricks")
        guard path.count == 1 else {
            throw .badPath(
                scheme: "databricks",
                expected: "databricks://HOST/WAREHOUSE_ID (the SQL warehouse id from its connection details)")
        }
        let disposition = (query["disposition"] ?? "EXTERNAL_LINKS").uppercased()
        guard ["EXTERNAL_LINKS", "INLINE"].contains(disposition) else {
            throw .badParameterValue(
                scheme: "databricks", parameter: "disposition", expected: "EXTERNAL_LINKS or INLINE", got: disposition)
        }
        return DatabricksLocation(
            host: host, warehouseID: path[0], catalog: query["catalog"], schema: query["schema"],
            clientID: query["client_id"], disposition: disposition)
    }

    private static func pageSizeValue(_ text: String?, default value: Int, range: ClosedRange<Int>, scheme: String)
        throws(SourceError) -> Int
    {
        guard let text else { return value }
        guard let n = Int(text), range.contains(n) else {
            throw .badParameterValue(
                scheme: scheme, parameter: "page_size",
                expected: "an integer from \(range.lowerBound) to \(range.upperBound)", got: text)
        }
        return n
    }
}
