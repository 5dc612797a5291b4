import CurlHTTP
import SyncCore
import WarehouseCore
import StreamIO

#if canImport(Glibc)
    import Glibc
#endif

/// Where credentials for the cloud warehouses come from: `--credentials FILE` (a key file),
/// `--token-file FILE` (a ready bearer token), the password (`--password-file` / `WH_PASSWORD`:
/// a key passphrase or OAuth client secret), and each vendor's usual environment variables.
public struct CloudCredentialInputs: Sendable {
    public var credentialsPath: String?
    public var tokenPath: String?
    public var password: String?
    public var environment: @Sendable (String) -> String?

    /// An empty environment variable counts as unset, so `VAR= wh-extract …` switches one off.
    public init(
        credentialsPath: String?, tokenPath: String?, password: String?,
        environment: @escaping @Sendable (String) -> String?
    ) {
        self.credentialsPath = credentialsPath
        self.tokenPath = tokenPath
        self.password = password
        self.environment = { name in environment(name).flatMap { $0.isEmpty ? nil : $0 } }
    }

    func token() throws(ExtractError) -> String? {
        guard let tokenPath else { return nil }
        do { return try TextFile.readSecret(tokenPath) } catch {
            throw .configuration("cannot read --token-file: \(error.message)")
        }
    }
}

/// Opens the adapter for a `bigquery://`, `snowflake://` or `databricks://` source.
public enum CloudConnector {
    public static func connect(_ source: WarehouseSource, credentials: CloudCredentialInputs) throws(ExtractError)
        -> Warehouse
    {
        let env = credentials.environment
        switch source {
        case .bigquery(let location):
            let base = baseURL(env("BIGQUERY_API_URL"), default: "https://bigquery.googleapis.com")
            let (tokens, scrubber) = try bigQueryTokens(credentials)
            return BigQueryWarehouse(location: location, baseURL: base, tokens: tokens, scrubber: scrubber)
        case .snowflake(let location):
            let base = baseURL(
                env("SNOWFLAKE_API_URL"), default: SnowflakeCredentials.defaultBaseURL(account: location.account))
            let (tokens, scrubber) = try snowflakeTokens(location, credentials)
            return SnowflakeWarehouse(location: location, baseURL: base, tokens: tokens, scrubber: scrubber)
        case .databricks(let location):
            let base = baseURL(env("DATABRICKS_API_URL"), default: "https://" + location.host)
            let (tokens, scrubber) = try databricksTokens(location, base: base, credentials)
            return DatabricksWarehouse(location: location, baseURL: base, tokens: tokens, scrubber: scrubber)
        default:
            throw .configuration("not a cloud warehouse source")
        }
    }

    static func baseURL(_ override: String?, default value: String) -> String {
        var url = override.flatMap { $0.isEmpty ? nil : $0 } ?? value
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    static func bigQueryTokens(_ c: CloudCredentialInputs) throws(ExtractError) -> (TokenSource, SecretScrubber) {
        if let token = try c.token() ?? c.environment("BIGQUERY_ACCESS_TOKEN")
            ?? c.environment("GOOGLE_OAUTH_ACCESS_TOKEN")
        {
            return (StaticToken(headers: [.bearer(token)]), SecretScrubber(secrets: [token]))
        }
        let scrubber = SecretScrubber(secrets: [])
        // Application Default Credentials, in Google's order: a named file, gcloud's file, the
        // metadata server of the machine (a Google Cloud VM, GKE or Cloud Run).
        guard
            let file = c.credentialsPath ?? c.environment("GOOGLE_APPLICATION_CREDENTIALS") ?? gcloudCredentialsFile(c)
        else {
            return (
                GoogleExternalAccount.metadataServer(
                    host: c.environment("GCE_METADATA_HOST") ?? "metadata.google.internal"), scrubber
            )
        }
        return (
            try GoogleCredentials.tokenSource(
                file: file, tokenURL: c.environment("BIGQUERY_TOKEN_URL"), scrubber: scrubber), scrubber
        )
    }

    /// gcloud's `application_default_credentials.json`, when it exists.
    static func gcloudCredentialsFile(_ c: CloudCredentialInputs) -> String? {
        guard let folder = c.environment("CLOUDSDK_CONFIG") ?? c.environment("HOME").map({ $0 + "/.config/gcloud" })
        else { return nil }
        let path = folder + "/application_default_credentials.json"
        return access(path, R_OK) == 0 ? path : nil
    }

    static func snowflakeTokens(_ location: SnowflakeLocation, _ c: CloudCredentialInputs) throws(ExtractError) -> (
        TokenSource, SecretScrubber
    ) {
        if let token = try c.token() ?? c.environment("SNOWFLAKE_TOKEN") {
            let type = c.environment("SNOWFLAKE_TOKEN_TYPE") ?? "OAUTH"
            return (
                StaticToken(headers: [
                    .bearer(token), HTTPHeader("X-Snowflake-Authorization-Token-Type", type),
                ]), SecretScrubber(secrets: [token])
            )
        }
        guard let keyFile = c.credentialsPath ?? c.environment("SNOWFLAKE_PRIVATE_KEY_PATH") else {
            throw .configuration(
                "no Snowflake credentials: pass --credentials FILE (the user's PKCS#8 private key) or set "
                    + "SNOWFLAKE_PRIVATE_KEY_PATH, or give an OAuth token with --token-file FILE or SNOWFLAKE_TOKEN"
            )
        }
        guard let user = location.user ?? c.environment("SNOWFLAKE_USER") else {
            throw .configuration(
                "key-pair authentication needs the user: add ?user=NAME to the snowflake:// source or set "
                    + "SNOWFLAKE_USER"
            )
        }
        let passphrase = c.password ?? c.environment("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE")
        let tokens = try SnowflakeCredentials.keyPairTokens(
            account: location.account, user: user, keyFile: keyFile, passphrase: passphrase)
        return (tokens, SecretScrubber(secrets: [passphrase]))
    }

    static func databricksTokens(_ location: DatabricksLocation, base: String, _ c: CloudCredentialInputs)
        throws(ExtractError) -> (TokenSource, SecretScrubber)
    {
        if let token = try c.token() ?? c.environment("DATABRICKS_TOKEN") {
            return (StaticToken(headers: [.bearer(token)]), SecretScrubber(secrets: [token]))
        }
        // What is not given by option or environment may come from the CLI's config file.
        let explicit = (location.clientID ?? c.environment("DATABRICKS_CLIENT_ID")) != nil
        let profile = explicit ? nil : try DatabricksConfigFile.profile(environment: c.environment)
        if let profile {
            try profile.check(host: location.host)
            if let token = profile.values["token"], !token.isEmpty {
                return (StaticToken(headers: [.bearer(token)]), SecretScrubber(secrets: [token]))
            }
        }
        guard let clientID = location.clientID ?? c.environment("DATABRICKS_CLIENT_ID") ?? profile?.values["client_id"],
            let secret = c.password ?? c.environment("DATABRICKS_CLIENT_SECRET") ?? profile?.values["client_secret"]
        else {
            throw .configuration(
                "no Databricks credentials: give a personal access token with --token-file FILE or DATABRICKS_TOKEN, "
                    + "or a service principal with DATABRICKS_CLIENT_ID (or ?client_id=) and "
                    + "DATABRICKS_CLIENT_SECRET (or --password-file), or a profile in ~/.databrickscfg "
                    + "(DATABRICKS_CONFIG_PROFILE)"
            )
        }
        let tokenURL = c.environment("DATABRICKS_TOKEN_URL") ?? base + "/oidc/v1/token"
        let scrubber = SecretScrubber(secrets: [secret])
        let tokens = RenewingToken { () throws(ExtractError) in
            try OAuthExchange.token(
                at: tokenURL, form: [("grant_type", "client_credentials"), ("scope", "all-apis")],
                basicAuth: (clientID, secret), scrubber: scrubber, what: "Databricks OAuth")
        }
        return (tokens, scrubber)
    }
}
