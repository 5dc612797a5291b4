import PostgresWarehouse
import WarehouseCore

/// The secrets a source's own text carries, found by the parser that will read the source:
/// libpq for PostgreSQL and Redshift (URIs and `key=value` strings, with its own decoding of
/// `%xx`, quotes and backslashes), ODBC's `key=value;` and `{…}` rules, and the cloud URL
/// parser, which refuses any credential itself. One check for wh-extract and the driver.
public struct EmbeddedSecrets: Sendable, Equatable {
    /// The options that carry a secret, as the parser names them, in order; safe to display.
    public let options: [String]
    /// Their values, to scrub driver messages; never shown.
    public let values: [String]

    public var isEmpty: Bool { options.isEmpty }

    public static func find(in source: WarehouseSource) throws(SourceError) -> EmbeddedSecrets {
        switch source {
        case .postgres(let conninfo, _):
            let parsed = PostgresConninfo.options(conninfo)
            guard let options = parsed.options else {
                throw .unparsableConninfo(reason: SourceError.withoutQuotedText(parsed.error ?? ""))
            }
            let secrets = options.filter { PostgresConninfo.secretKeywords.contains($0.keyword) }
            return EmbeddedSecrets(options: secrets.map(\.keyword), values: secrets.map(\.value))
        case .odbc(let connection):
            let secrets = ODBCConnectionString.pairs(connection).filter { ODBCConnectionString.isSecretKey($0.key) }
            return EmbeddedSecrets(
                options: secrets.map(\.key), values: secrets.map { $0.value.trimmingCharacters(in: " ") })
        case .sqlite, .bigquery, .snowflake, .databricks:
            return EmbeddedSecrets(options: [], values: [])
        }
    }
}
