import SyncCore
import WarehouseCore

/// Everything one `wh-extract` run needs, resolved from flags and environment.
public struct ExtractConfiguration: Sendable {
    public var source: WarehouseSource
    /// The query with `{{last_sync_time}}` already filled in.
    public var query: String
    public var lastSyncTime: Int64
    /// A password from `--password-file` or `WH_PASSWORD`; never from argv.
    public var password: String?
    public var statsPath: String?
    /// A key file for the cloud warehouses (`--credentials`): a Google service-account or
    /// authorized_user JSON file, or a Snowflake private key.
    public var credentialsPath: String?
    /// A file holding a ready bearer token (`--token-file`).
    public var tokenPath: String?

    public init(
        source: WarehouseSource, query: String, lastSyncTime: Int64, password: String?, statsPath: String?,
        credentialsPath: String? = nil, tokenPath: String? = nil
    ) {
        self.source = source
        self.query = query
        self.lastSyncTime = lastSyncTime
        self.password = password
        self.statsPath = statsPath
        self.credentialsPath = credentialsPath
        self.tokenPath = tokenPath
    }

    /// Renders the query template; an unknown `{{variable}}` is a configuration error.
    public static func render(template: String, lastSyncTime: Int64) throws(QueryTemplateError) -> String {
        try QueryTemplate.render(template, lastSyncTime: lastSyncTime)
    }
}
