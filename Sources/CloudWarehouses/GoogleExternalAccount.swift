import CurlHTTP
import JSONCodec
import SyncCore
import WarehouseCore
import Retrying
import StreamIO

#if canImport(Glibc)
    import Glibc
#endif

/// Google Application Default Credentials beyond key files: the metadata server of a Google
/// Cloud VM, GKE pod or Cloud Run service, and `external_account` files (workload identity
/// federation), where a token from another identity provider is exchanged at Google's STS and,
/// when the file says so, for a service account's token.
enum GoogleExternalAccount {
    static let cloudPlatformScope = "https://www.googleapis.com/auth/cloud-platform"
    static let noCredentials =
        "no BigQuery credentials: pass --credentials FILE (a service-account key, authorized_user or "
        + "external_account file) or set GOOGLE_APPLICATION_CREDENTIALS, or give an access token with "
        + "--token-file FILE or BIGQUERY_ACCESS_TOKEN"

    /// `GCE_METADATA_HOST` (host[:port]) overrides the metadata server's address, as Google's
    /// client libraries do.
    static func metadataServer(host: String) -> TokenSource {
        RenewingToken { () throws(ExtractError) in
            let client = CloudClient(
                endpoint: "Google metadata server '\(host)'", tokens: nil, scrubber: SecretScrubber(secrets: []),
                retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.2, maxDelay: 1))
            let url =
                "http://\(host)/computeMetadata/v1/instance/service-accounts/default/token?scopes="
                + FormEncoding.escape(GoogleCredentials.scope)
            let response: HTTPResponse
            do throws(ExtractError) {
                response = try client.send(
                    "GET", url, headers: [HTTPHeader("Metadata-Flavor", "Google")], authorized: false)
            } catch {
                // Off Google Cloud there is no metadata server: the user has simply not said
                // where the credentials are.
                guard case .connectionFailed(_, let reason) = error else { throw error }
                throw .configuration(
                    "\(noCredentials), or run on Google Cloud, where the metadata server gives them (\(host) did not "
                        + "answer: \(reason))"
                )
            }
            return try OAuthExchange.bearer(from: response, client: client)
        }
    }

    /// An `external_account` file: `audience`, `subject_token_type`, `token_url`,
    /// `credential_source` (`file`, or `url` with `headers`; `format` text or json with
    /// `subject_token_field_name`) and optionally `service_account_impersonation_url`.
    static func tokenSource(_ object: JSONObject, origin: String, scrubber: SecretScrubber) throws(ExtractError)
        -> TokenSource
    {
        func field(_ name: String) throws(ExtractError) -> String {
            guard let value = object[name]?.stringValue, !value.isEmpty else {
                throw .configuration("\(origin): missing \"\(name)\"")
            }
            return value
        }
        let audience = try field("audience")
        let subjectType = try field("subject_token_type")
        let tokenURL = try field("token_url")
        guard case .object(let source)? = object["credential_source"] else {
            throw .configuration("\(origin): missing \"credential_source\"")
        }
        guard source["file"] != nil || source["url"] != nil else {
            throw .configuration(
                "\(origin): only file and url credential sources are supported (not executable or AWS ones)")
        }
        let impersonation = object["service_account_impersonation_url"]?.stringValue
        return RenewingToken { () throws(ExtractError) in
            let subject = try subjectToken(source, origin: origin)
            let scrub = SecretScrubber(secrets: scrubber.secrets + [subject])
            let sts = try stsExchange(
                at: tokenURL, audience: audience, subjectType: subjectType, subject: subject,
                scope: impersonation == nil ? GoogleCredentials.scope : cloudPlatformScope, scrubber: scrub)
            guard let impersonation else { return sts }
            return try impersonate(at: impersonation, with: sts.headers, scrubber: scrub)
        }
    }

    static func subjectToken(_ source: JSONObject, origin: String) throws(ExtractError) -> String {
        let text: String
        if let path = source["file"]?.stringValue {
            do { text = try TextFile.read(path, limit: 1 << 20) } catch {
                throw .configuration("\(origin): credential_source file: \(error.message)")
            }
        } else {
            let url = source["url"]?.stringValue ?? ""
            var headers: [HTTPHeader] = []
            if case .object(let given)? = source["headers"] {
                for (name, value) in given.members {
                    if let v = value.stringValue { headers.append(HTTPHeader(name, v)) }
                }
            }
            let client = CloudClient(
                endpoint: "credential_source url '\(url)'", tokens: nil, scrubber: SecretScrubber(secrets: []),
                retry: RetryPolicy(maxAttempts: 3, baseDelay: 0.2, maxDelay: 1))
            let response = try client.send("GET", url, headers: headers, authorized: false)
            guard response.status == 200 else { throw client.unexpected(response, doing: "subject token request") }
            text = String(decoding: response.body, as: UTF8.self)
        }
        var token = text.trimmingCharacters(in: " \t\r\n")
        if case .object(let format)? = source["format"], format["type"]?.stringValue == "json" {
            let name = format["subject_token_field_name"]?.stringValue ?? ""
            guard let value = (try? JSONValue.parse(token))?.objectValue?[name]?.stringValue, !value.isEmpty else {
                throw .configuration("\(origin): the credential source holds no \"\(name)\" member")
            }
            token = value
        }
        guard !token.isEmpty else { throw .configuration("\(origin): the credential source is empty") }
        return token
    }

    /// RFC 8693 token exchange at Google's Security Token Service.
    static func stsExchange(
        at url: String, audience: String, subjectType: String, subject: String, scope: String,
        scrubber: SecretScrubber
    ) throws(ExtractError) -> (headers: [HTTPHeader], lifetimeSeconds: Int) {
        try OAuthExchange.token(
            at: url,
            form: [
                ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"), ("audience", audience),
                ("scope", scope),
                ("requested_token_type", "urn:ietf:params:oauth:token-type:access_token"),
                ("subject_token", subject), ("subject_token_type", subjectType),
            ], scrubber: scrubber, what: "Google STS")
    }

    /// IAM Credentials `generateAccessToken`: the federated token buys a service account's token.
    static func impersonate(at url: String, with headers: [HTTPHeader], scrubber: SecretScrubber) throws(ExtractError)
        -> (
            headers: [HTTPHeader], lifetimeSeconds: Int
        )
    {
        let client = CloudClient(
            endpoint: "Google service account impersonation '\(url)'", tokens: StaticToken(headers: headers),
            scrubber: scrubber, retry: RetryPolicy(maxAttempts: 4, baseDelay: 0.5, maxDelay: 5))
        let body = JSONValue.object(["scope": .array([.string(GoogleCredentials.scope)]), "lifetime": .string("3600s")])
            .serialized
        let response = try client.send("POST", url, headers: [.jsonBody], body: Array(body.utf8))
        guard response.status == 200 else {
            throw client.authenticationError(
                response, detail: "impersonation refused: " + String(decoding: response.body.prefix(200), as: UTF8.self)
            )
        }
        guard let token = response.jsonObject?["accessToken"]?.stringValue, !token.isEmpty else {
            throw client.unexpected(response, doing: "impersonation answer without accessToken")
        }
        return ([.bearer(token)], 3600)
    }
}
