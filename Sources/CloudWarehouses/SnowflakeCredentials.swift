import CurlHTTP
import JSONCodec
import SyncCore
import WarehouseCore
import StreamIO

#if canImport(Glibc)
    import Glibc
#endif

/// Snowflake key-pair authentication: a JWT signed with the user's private key, issued by
/// `ACCOUNT.USER.SHA256:fingerprint` for subject `ACCOUNT.USER`, valid for under an hour.
enum SnowflakeCredentials {
    static func keyPairTokens(account: String, user: String, keyFile path: String, passphrase: String?)
        throws(ExtractError) -> TokenSource
    {
        let origin = "private key file '\(path)'"
        let pem: String
        do { pem = try TextFile.read(path, limit: 1 << 20) } catch {
            throw .configuration(origin + ": " + error.message)
        }
        let key = try RSAKey(pem: pem, passphrase: passphrase, origin: origin)
        return RenewingToken { () throws(ExtractError) in
            let jwt = try keyPairJWT(account: account, user: user, key: key, now: Int64(time(nil)))
            return ([.bearer(jwt), HTTPHeader("X-Snowflake-Authorization-Token-Type", "KEYPAIR_JWT")], 3540)
        }
    }

    static func keyPairJWT(account: String, user: String, key: RSAKey, now: Int64) throws(ExtractError) -> String {
        let qualified = jwtAccount(account) + "." + user.uppercased()
        let claims: JSONObject = [
            "iss": .string(qualified + "." + key.publicKeyFingerprint), "sub": .string(qualified),
            "iat": .number(String(now)), "exp": .number(String(now + 3540)),
        ]
        return try key.signJWT(header: ["alg": .string("RS256"), "typ": .string("JWT")], claims: claims)
    }

    /// The account part of the JWT names: upper case, without a region or cloud suffix
    /// (`xy12345.us-east-1` → `XY12345`; `myorg-account1` stays whole).
    static func jwtAccount(_ account: String) -> String {
        String(account.split(separator: ".").first ?? Substring(account)).uppercased()
    }

    /// `https://ACCOUNT.snowflakecomputing.com` (underscores are not valid in host names).
    static func defaultBaseURL(account: String) -> String {
        "https://" + String(account.lowercased().map { $0 == "_" ? "-" : $0 }) + ".snowflakecomputing.com"
    }
}
