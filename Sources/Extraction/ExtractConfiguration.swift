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

    public init(source: WarehouseSource, query: String, lastSyncTime: Int64, password: String?, statsPath: String?) {
        self.source = source
        self.query = query
        self.lastSyncTime = lastSyncTime
        self.password = password
        self.statsPath = statsPath
    }

    /// Renders the query template; an unknown `{{variable}}` is a configuration error.
    public static func render(template: String, lastSyncTime: Int64) throws(ConfigurationError) -> String {
        do {
            return try QueryTemplate.render(template, lastSyncTime: lastSyncTime)
        } catch {
            throw ConfigurationError(error.message)
        }
    }
}
