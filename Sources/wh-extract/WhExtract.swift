import ArgumentParser
import CurlHTTP
import Extraction
import SyncCore
import ToolRuntime
import WarehouseCore
import StreamIO

@main
struct WhExtract: ToolCommand {
    static let toolName = "wh-extract"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "Run a warehouse query with {{last_sync_time}} filled in and stream its rows as NDJSON.",
        usage: """
            wh-extract [--source URL] --check-source
            wh-extract [--source URL] (--query FILE | --query - | --query-text SQL)
                       [--last-sync-time N] [--password-file FILE]
                       [--credentials FILE] [--token-file FILE] [--ca-bundle FILE]
                       [--stats FILE]
            """,
        discussion: """
            SOURCES
              postgres://USER@HOST:PORT/DB, postgresql://…
                                        PostgreSQL through libpq
              redshift://USER@HOST[:5439]/DB
                                        Redshift (libpq; sslmode=require by default)
              odbc:Driver=NAME;Server=…, odbc:DSN=NAME
                                        any ODBC driver through unixODBC
              sqlite:PATH               the embedded default (SQLite3 ODBC driver)
              host=H dbname=D …, service=NAME
                                        libpq's key=value form (and pg_service.conf)
              bigquery://PROJECT[?location=L&dataset=D&page_size=N]
                                        BigQuery REST API (jobs.query)
              snowflake://ACCOUNT/DATABASE/SCHEMA?warehouse=W&role=R&user=U
                                        Snowflake SQL API v2
              databricks://HOST/WAREHOUSE_ID[?catalog=C&schema=S&client_id=I]
                                        Databricks SQL Statement Execution API
                                        (&disposition=INLINE for small results)

            CLOUD CREDENTIALS (never in the URL), each in this order
              BigQuery: --credentials FILE or GOOGLE_APPLICATION_CREDENTIALS: a
                service-account key (RS256 JWT exchanged at its token_uri), an
                authorized_user file, or an external_account file (workload
                identity federation: a subject token from a file or URL,
                exchanged at Google's STS); then gcloud's
                ~/.config/gcloud/application_default_credentials.json
                (CLOUDSDK_CONFIG); then the metadata server of a Google Cloud
                VM, GKE or Cloud Run (GCE_METADATA_HOST). Or a ready access
                token: --token-file FILE, BIGQUERY_ACCESS_TOKEN or
                GOOGLE_OAUTH_ACCESS_TOKEN.
              Snowflake: --credentials FILE or SNOWFLAKE_PRIVATE_KEY_PATH, the
                user's PKCS#8 key (key-pair JWT; passphrase in --password-file,
                WH_PASSWORD or SNOWFLAKE_PRIVATE_KEY_PASSPHRASE; user from ?user=
                or SNOWFLAKE_USER); or an OAuth token in --token-file FILE or
                SNOWFLAKE_TOKEN (type SNOWFLAKE_TOKEN_TYPE, default OAUTH).
              Databricks: a personal access token in --token-file FILE or
                DATABRICKS_TOKEN; or a service principal (OAuth M2M):
                DATABRICKS_CLIENT_ID or ?client_id=, and DATABRICKS_CLIENT_SECRET,
                --password-file or WH_PASSWORD; else a profile of
                ~/.databrickscfg (DATABRICKS_CONFIG_FILE; DATABRICKS_CONFIG_PROFILE,
                else [DEFAULT]): its token, or its client_id and client_secret.
              Other endpoints (emulators, private links): BIGQUERY_API_URL,
              BIGQUERY_TOKEN_URL, SNOWFLAKE_API_URL, DATABRICKS_API_URL,
              DATABRICKS_TOKEN_URL.

            INPUT
              The query comes from --query FILE (- for stdin) or --query-text.
              {{last_sync_time}} (inner spaces allowed) becomes the bare integer;
              any other {{name}} is an error; so is a NUL byte. Only one SELECT,
              WITH, VALUES (or TABLE on PostgreSQL and Redshift) statement is run.
              Passwords: PGPASSWORD/PGPASSFILE (PostgreSQL), WH_PASSWORD,
              --password-file, or the source in WH_SOURCE. A --source that holds
              a password or token is refused: argv is visible to every local user.

            OUTPUT
              One JSON object per row on stdout, keys in SELECT order with the
              warehouse's case. Integers and decimals keep their exact digits;
              timestamps are RFC 3339 UTC; dates YYYY-MM-DD; JSON, VARIANT, STRUCT
              and ARRAY nested; binary as base64; NULL as null. Progress (rows,
              rows/s) on stderr when stderr is a terminal.

            EXIT STATUS
              0 success (also when the reader closes the pipe early)
              1 connection, query or fetch failure, or cancelled by SIGINT/SIGTERM
              2 usage or configuration error (bad flag, unknown {{variable}},
                unreadable query, missing credentials)

            EXAMPLES
              wh-extract --source sqlite:demo/warehouse.db \\
                --query syncs/contacts.sql --last-sync-time 0
              WH_SOURCE=postgresql://sync@127.0.0.1/dw \\
                wh-extract --query q.sql --last-sync-time 1767225600
              GOOGLE_APPLICATION_CREDENTIALS=sa.json WH_SOURCE=bigquery://my-proj \\
                wh-extract --query q.sql --last-sync-time 1767225600
            """,
        version: ToolVersion.text)

    @Option(name: .long, help: "Warehouse URL (default: the WH_SOURCE environment variable).")
    var source: String?

    @Flag(
        name: .long,
        help:
            ArgumentHelp(
                "Only check the source (its syntax, and that it holds no password or token: those come from files "
                    + "or the environment), then exit; nothing connects (default: off)."))
    var checkSource = false

    @Option(name: .long, help: "File holding the SQL query, or - for standard input.")
    var query: String?

    @Option(name: .long, help: "The SQL query itself, instead of --query.")
    var queryText: String?

    @Option(name: .long, help: "Unix seconds substituted for {{last_sync_time}}; 0 is a full sync.")
    var lastSyncTime: Int64 = 0

    @Option(name: .long, help: "Read the warehouse password from the first line of this file.")
    var passwordFile: String?

    @OptionGroup var statsFile: StatsOption

    @Option(
        name: .long,
        help:
            ArgumentHelp(
                "Key file for BigQuery (service-account JSON) or Snowflake (PEM private key) (default: the vendor's "
                    + "environment variable).")
    )
    var credentials: String?

    @Option(
        name: .long,
        help:
            ArgumentHelp(
                "Read a ready bearer token (BigQuery access token, Snowflake OAuth token, Databricks personal access "
                    + "token) from this file (default: none).")
    )
    var tokenFile: String?

    @Option(
        help:
            ArgumentHelp(
                "PEM file of the certificate authorities to trust for HTTPS instead of the system's (default: "
                    + "CURL_CA_BUNDLE, else SSL_CERT_FILE; SSL_CERT_DIR adds a folder).")
    )
    var caBundle: String?

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        try TLSTrust.checkEnvironment()
        if let caBundle { try TLSTrust.use(caBundle: caBundle) }
        if checkSource {
            try Self.refuseEmbeddedSecrets(
                in: try parsedSource(),
                remedy: "put it in WH_PASSWORD, PGPASSWORD, a password file or the warehouse's credential variable "
                    + "instead")
            return .success
        }
        let configuration = try resolve(diagnostics: diagnostics)
        let stats = try Extractor.run(configuration, output: .standardOutput(), diagnostics: diagnostics)
        try statsFile.write(stats.json)
        let rate = ProgressMeter.rate(stats.rows, stats.seconds)
        diagnostics.progress("")
        if diagnostics.isTerminal || diagnostics.isLog {
            diagnostics.note("\(stats.rows) rows in \(stats.seconds)s (\(rate) rows/s)")
        }
        return .success
    }

    private func parsedSource() throws -> WarehouseSource {
        guard let sourceText = source ?? TextFile.environment("WH_SOURCE") else {
            throw ConfigurationError.missing("source", remedy: "pass --source URL or set WH_SOURCE")
        }
        return try WarehouseSource.parse(sourceText)
    }

    /// A secret in the source is refused where others can read it: argv, and (through
    /// --check-source) the driver's sync files.
    static func refuseEmbeddedSecrets(in source: WarehouseSource, remedy: String) throws(SourceError) {
        let secrets = try EmbeddedSecrets.find(in: source)
        if let option = secrets.options.first { throw .embeddedSecret(option: option, remedy: remedy) }
    }

    private func resolve(diagnostics: Diagnostics) throws -> ExtractConfiguration {
        let parsed = try parsedSource()
        if source != nil {
            try Self.refuseEmbeddedSecrets(
                in: parsed,
                remedy: "every local user can read --source from the process list: pass the source in WH_SOURCE, or "
                    + "the password in PGPASSWORD, WH_PASSWORD or --password-file")
        }
        let template: String
        switch (query, queryText) {
        case (let path?, nil): template = try TextFile.read(path)
        case (nil, let text?): template = text
        case (nil, nil):
            throw ConfigurationError.missing("query", remedy: "pass --query FILE, --query - or --query-text SQL")
        default: throw ConfigurationError.exclusive("--query", "--query-text")
        }
        let password =
            try passwordFile.map { path throws(InputError) in try TextFile.readSecret(path) }
            ?? TextFile.environment("WH_PASSWORD")
        return ExtractConfiguration(
            source: parsed,
            query: try ExtractConfiguration.render(template: template, lastSyncTime: lastSyncTime),
            lastSyncTime: lastSyncTime, password: password, statsPath: statsFile.stats,
            credentialsPath: credentials, tokenPath: tokenFile)
    }

    static func main() { ToolMain.main(WhExtract.self) }
}
