import Crypto
import JSONCodec
import SyncCore
import WarehouseCore
import _CryptoExtras

/// RS256 JSON Web Tokens (RFC 7519) for Google service accounts and Snowflake key pairs.
struct RSAKey: Sendable {
    let key: _RSA.Signing.PrivateKey

    /// Reads a PEM private key (PKCS#8 or PKCS#1, optionally encrypted with `passphrase`).
    init(pem: String, passphrase: String?, origin: String) throws(ExtractError) {
        do {
            if pem.contains("ENCRYPTED PRIVATE KEY") {
                guard let passphrase else {
                    throw ExtractError.configuration("\(origin): the private key is encrypted; give its passphrase")
                }
                key = try _RSA.Signing.PrivateKey(encryptedPEMRepresentation: pem) { setter in
                    setter(Array(passphrase.utf8))
                }
            } else {
                key = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
            }
        } catch let error as ExtractError {
            throw error
        } catch {
            throw .configuration(
                "\(origin): not a usable RSA private key (PEM, PKCS#8 or PKCS#1, 2048 bits or more): \(error)")
        }
    }

    /// `SHA256:` and the base64 SHA-256 of the public key's DER SubjectPublicKeyInfo, as Snowflake
    /// shows it in `DESCRIBE USER` (RSA_PUBLIC_KEY_FP).
    var publicKeyFingerprint: String {
        "SHA256:" + Base64.encode(Array(SHA256.hash(data: key.publicKey.derRepresentation)))
    }

    /// A compact JWS: base64url(header).base64url(claims).base64url(signature).
    func signJWT(header: JSONObject, claims: JSONObject) throws(ExtractError) -> String {
        let signingInput =
            Self.base64URL(Array(JSONValue.object(header).serialized.utf8)) + "."
            + Self.base64URL(Array(JSONValue.object(claims).serialized.utf8))
        do {
            let signature = try key.signature(
                for: SHA256.hash(data: Array(signingInput.utf8)), padding: .insecurePKCS1v1_5)
            return signingInput + "." + Self.base64URL(Array(signature.rawRepresentation))
        } catch {
            throw .connectionFailed(endpoint: "JWT signing", reason: "\(error)")
        }
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        var s = Base64.encode(bytes)
        while s.hasSuffix("=") { s.removeLast() }
        return String(s.map { $0 == "+" ? "-" : $0 == "/" ? "_" : $0 })
    }
}
