import Foundation
import JSONCodec
import SyncCore
import XCTest
import _CryptoExtras

@testable import CloudWarehouses
@testable import WarehouseCore

final class CloudAuthTests: XCTestCase {
    private let key = try! _RSA.Signing.PrivateKey(keySize: .bits2048)

    func testSnowflakeJWTNamesAccountUserAndFingerprint() throws {
        let rsa = try RSAKey(pem: key.pkcs8PEMRepresentation, passphrase: nil, origin: "test")
        let jwt = try SnowflakeCredentials.keyPairJWT(
            account: "xy12345.us-east-1", user: "sync_user", key: rsa, now: 1_700_000_000)
        let parts = jwt.split(separator: ".").map(String.init)
        XCTAssertEqual(parts.count, 3)
        let claims = try XCTUnwrap(JSONValue.parse(String(decoding: base64URL(parts[1]), as: UTF8.self)).objectValue)
        XCTAssertEqual(claims["iss"], .string("XY12345.SYNC_USER." + rsa.publicKeyFingerprint))
        XCTAssertEqual(claims["sub"], .string("XY12345.SYNC_USER"))
        XCTAssertEqual(claims["exp"], .number("1700003540"))
        let signature = _RSA.Signing.RSASignature(rawRepresentation: base64URL(parts[2]))
        XCTAssertTrue(
            key.publicKey.isValidSignature(
                signature, for: Data((parts[0] + "." + parts[1]).utf8), padding: .insecurePKCS1v1_5))
    }

    /// Snowflake compares the fingerprint with `openssl rsa -pubout -outform DER | openssl dgst -sha256 -binary | base64`.
    func testFingerprintMatchesOpenSSL() throws {
        let openssl = ["/usr/bin/openssl", "/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let openssl else { throw XCTSkip("openssl is not installed") }
        let path = NSTemporaryDirectory() + "fp-\(UUID().uuidString).p8"
        try key.pkcs8PEMRepresentation.write(toFile: path, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = [
            "-c", "\(openssl) pkey -in \(path) -pubout -outform DER | \(openssl) dgst -sha256 -binary | base64",
        ]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        let expected = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(
            try RSAKey(pem: key.pkcs8PEMRepresentation, passphrase: nil, origin: "t").publicKeyFingerprint,
            "SHA256:" + expected)
    }

    /// Snowflake's key-pair guide encrypts the PKCS#8 key (`openssl pkcs8 -topk8 -v2 aes-256-cbc`).
    func testEncryptedKeyOpensWithItsPassphraseOnly() throws {
        let openssl = ["/usr/bin/openssl", "/bin/openssl"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let openssl else { throw XCTSkip("openssl is not installed") }
        let plain = NSTemporaryDirectory() + "k-\(UUID().uuidString).pem"
        let encrypted = plain + ".p8"
        try key.pkcs8PEMRepresentation.write(toFile: plain, atomically: true, encoding: .utf8)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: openssl)
        p.arguments = [
            "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", plain, "-passout", "pass:s3cret", "-out", encrypted,
        ]
        try p.run()
        p.waitUntilExit()
        let pem = try String(contentsOfFile: encrypted, encoding: .utf8)
        let opened = try RSAKey(pem: pem, passphrase: "s3cret", origin: "k.p8")
        XCTAssertEqual(
            opened.publicKeyFingerprint,
            try RSAKey(pem: key.pkcs8PEMRepresentation, passphrase: nil, origin: "t").publicKeyFingerprint)
        XCTAssertThrowsError(try RSAKey(pem: pem, passphrase: "wrong", origin: "private key file 'k.p8'")) { error in
            let message = (error as? ExtractError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("private key file 'k.p8': not a usable RSA private key"), message)
            XCTAssertFalse(message.contains("wrong"))
        }
    }

    func testEncryptedKeyNeedsItsPassphrase() throws {
        let pem = "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n"
        XCTAssertThrowsError(try RSAKey(pem: pem, passphrase: nil, origin: "private key file 'k.p8'")) { error in
            XCTAssertEqual(
                (error as? ExtractError)?.message,
                "private key file 'k.p8': the private key is encrypted; give its passphrase")
        }
    }

    func testServiceAccountAssertionClaims() throws {
        let rsa = try RSAKey(pem: key.pkcs8PEMRepresentation, passphrase: nil, origin: "test")
        let jwt = try GoogleCredentials.serviceAccountAssertion(
            email: "a@p.iam.gserviceaccount.com", key: rsa, keyID: "kid1",
            audience: "https://oauth2.googleapis.com/token", now: 100)
        let parts = jwt.split(separator: ".").map(String.init)
        let header = try XCTUnwrap(JSONValue.parse(String(decoding: base64URL(parts[0]), as: UTF8.self)).objectValue)
        XCTAssertEqual(header["kid"], .string("kid1"))
        XCTAssertEqual(header["alg"], .string("RS256"))
        let claims = try XCTUnwrap(JSONValue.parse(String(decoding: base64URL(parts[1]), as: UTF8.self)).objectValue)
        XCTAssertEqual(claims["exp"], .number("3700"))
        XCTAssertEqual(claims["scope"], .string("https://www.googleapis.com/auth/bigquery"))
    }

    func testSourcesParseAndRefuseSecretsAndTypos() throws {
        XCTAssertEqual(
            try WarehouseSource.parse("bigquery://proj-1?location=EU&dataset=crm"),
            .bigquery(BigQueryLocation(project: "proj-1", location: "EU", dataset: "crm", pageSize: 10_000)))
        XCTAssertEqual(
            try WarehouseSource.parse("snowflake://myorg-acct/DB/PUBLIC?warehouse=WH&user=sync"),
            .snowflake(
                SnowflakeLocation(
                    account: "myorg-acct", database: "DB", schema: "PUBLIC", warehouse: "WH", role: nil, user: "sync")))
        XCTAssertEqual(
            try WarehouseSource.parse("databricks://adb-1.azuredatabricks.net/abc123?catalog=main"),
            .databricks(
                DatabricksLocation(
                    host: "adb-1.azuredatabricks.net", warehouseID: "abc123", catalog: "main", schema: nil,
                    clientID: nil, disposition: "EXTERNAL_LINKS")))
        XCTAssertThrowsError(try WarehouseSource.parse("databricks://token:dapi123@host/wh"))
        XCTAssertThrowsError(try WarehouseSource.parse("snowflake://acct/DB/S?password=x")) { error in
            XCTAssertEqual(
                (error as? ToolError)?.message,
                "snowflake:// sources take no 'password' in the URL; credentials come from files or the environment "
                    + "(see wh-extract --help)"
            )
        }
        XCTAssertThrowsError(try WarehouseSource.parse("bigquery://p?locaton=EU")) { error in
            XCTAssertEqual(
                (error as? ToolError)?.message,
                "unknown parameter 'locaton' in the bigquery:// source; known: location, dataset, page_size")
        }
        XCTAssertThrowsError(try WarehouseSource.parse("databricks://host"))
    }

    private func base64URL(_ text: String) -> Data {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s)!
    }
}
