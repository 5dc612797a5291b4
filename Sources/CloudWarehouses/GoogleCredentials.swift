import JSONCodec
import SyncCore
import WarehouseCore
import StreamIO

#if canImport(Glibc)
    import Glibc
#endif

/// Google credentials for BigQuery: a service-account key file signed into an RS256 JWT and
/// exchanged for an access token (RFC 7523), or an `authorized_user` file (what
/// `gcloud auth application-default login` writes) exchanged through its refresh token.
enum GoogleCredentials {
    static let scope = "https://www.googleapis.com/auth/bigquery"
    static let defaultTokenURL = "https://oauth2.googleapis.com/token"

    static func tokenSource(file path: String, tokenURL override: String?, scrubber: SecretScrubber)
        throws(ExtractError) -> TokenSource
    {
        let origin = "credentials file '\(path)'"
        let text: String
        do { text = try TextFile.read(path, limit: 1 << 20) } catch {
            throw .configuration(origin + ": " + error.message)
        }
        guard let object = (try? JSONValue.parse(text))?.objectValue else {
            throw .configuration("\(origin): not a JSON object (expected a Google service-account key file)")
        }
        func field(_ name: String) throws(ExtractError) -> String {
            guard let value = object[name]?.stringValue, !value.isEmpty else {
                throw .configuration("\(origin): missing \"\(name)\"")
            }
            return value
        }
        let type = object["type"]?.stringValue ?? "service_account"
        let tokenURL = override ?? object["token_uri"]?.stringValue ?? defaultTokenURL
        switch type {
        case "service_account":
            let email = try field("client_email")
            let key = try RSAKey(pem: try field("private_key"), passphrase: nil, origin: origin)
            let keyID = object["private_key_id"]?.stringValue
            let scrub = SecretScrubber(secrets: scrubber.secrets + [object["private_key"]?.stringValue])
            return RenewingToken { () throws(ExtractError) in
                let assertion = try serviceAccountAssertion(
                    email: email, key: key, keyID: keyID, audience: tokenURL, now: Int64(time(nil)))
                return try OAuthExchange.token(
                    at: tokenURL,
                    form: [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion)],
                    scrubber: SecretScrubber(secrets: scrub.secrets + [assertion]), what: "Google")
            }
        case "authorized_user":
            let clientID = try field("client_id")
            let secret = try field("client_secret")
            let refresh = try field("refresh_token")
            let scrub = SecretScrubber(secrets: scrubber.secrets + [secret, refresh])
            return RenewingToken { () throws(ExtractError) in
                try OAuthExchange.token(
                    at: tokenURL,
                    form: [
                        ("grant_type", "refresh_token"), ("client_id", clientID),
                        ("client_secret", secret), ("refresh_token", refresh),
                    ],
                    scrubber: scrub, what: "Google")
            }
        case "external_account":
            return try GoogleExternalAccount.tokenSource(object, origin: origin, scrubber: scrubber)
        default:
            throw .configuration(
                "\(origin): credentials of type \"\(type)\" are not supported (use a service-account key, an "
                    + "authorized_user or an external_account file)"
            )
        }
    }

    /// The signed JWT a service account presents to the token endpoint (one hour, BigQuery scope).
    static func serviceAccountAssertion(email: String, key: RSAKey, keyID: String?, audience: String, now: Int64)
        throws(ExtractError) -> String
    {
        var header: JSONObject = ["alg": .string("RS256"), "typ": .string("JWT")]
        if let keyID { header["kid"] = .string(keyID) }
        let claims: JSONObject = [
            "iss": .string(email), "scope": .string(scope), "aud": .string(audience),
            "iat": .number(String(now)), "exp": .number(String(now + 3600)),
        ]
        return try key.signJWT(header: header, claims: claims)
    }
}
