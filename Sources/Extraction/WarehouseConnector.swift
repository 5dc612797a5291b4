import SyncCore
import CloudWarehouses
import ODBCWarehouse
import PostgresWarehouse
import WarehouseCore
import StreamIO

#if canImport(Glibc)
    import Glibc
#endif

/// Opens the adapter a source needs.
enum WarehouseConnector {
    static func connect(_ configuration: ExtractConfiguration) throws(ExtractError) -> Warehouse {
        let embedded = (try? EmbeddedSecrets.find(in: configuration.source))?.values ?? []
        let scrubber = SecretScrubber(secrets: [configuration.password] + embedded)
        switch configuration.source {
        case .postgres(let conninfo, let redshift):
            return try PostgresWarehouse(
                conninfo: conninfo, password: configuration.password, redshift: redshift, scrubber: scrubber)
        case .odbc(let connectionString):
            var text = connectionString
            if let password = configuration.password {
                text += (text.hasSuffix(";") ? "" : ";") + "PWD=\(ODBCConnectionString.quoted(password));"
            }
            return try ODBCWarehouse(
                connectionString: text, endpoint: odbcEndpoint(connectionString), scrubber: scrubber)
        case .sqlite(let path):
            guard access(path, R_OK) == 0 else {
                throw .connectionFailed(endpoint: "sqlite file '\(path)'", reason: String(cString: strerror(errno)))
            }
            // The SQLite driver reads Database up to the next ';' and knows no braces.
            guard !path.contains(";") else {
                throw .configuration(
                    "sqlite file '\(path)': a path with ';' cannot be passed to the SQLite ODBC driver")
            }
            let text = "Driver=\(ODBCWarehouse.sqliteDriver());Database=\(path);NoTXN=1;"
            return try ODBCWarehouse(connectionString: text, endpoint: "sqlite file '\(path)'", scrubber: scrubber)
        case .bigquery, .snowflake, .databricks:
            let inputs = CloudCredentialInputs(
                credentialsPath: configuration.credentialsPath, tokenPath: configuration.tokenPath,
                password: configuration.password, environment: { TextFile.environment($0) })
            return try CloudConnector.connect(configuration.source, credentials: inputs)
        }
    }

    /// Names the data source in messages without echoing the connection string (it may hold a password).
    static func odbcEndpoint(_ connectionString: String) -> String {
        let pairs = ODBCConnectionString.pairs(connectionString)
        func value(_ key: String) -> String? { pairs.last { $0.key.lowercased() == key }?.value }
        if let dsn = value("dsn") { return "ODBC DSN '\(dsn)'" }
        var parts = ["ODBC driver '\(value("driver") ?? "?")'"]
        if let server = value("server") ?? value("servername") ?? value("host") { parts.append("host '\(server)'") }
        if let port = value("port") { parts.append("port \(port)") }
        if let database = value("database") { parts.append("database '\(database)'") }
        return parts.joined(separator: " ")
    }
}
