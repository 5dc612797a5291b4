import Extraction
import WarehouseCore
import XCTest

/// One check of secrets in a source, by the parser that reads it: every spelling that once
/// slipped past the driver's patterns is caught, and what is not a secret passes.
final class EmbeddedSecretsTests: XCTestCase {
    private func secrets(_ text: String) throws -> EmbeddedSecrets {
        try EmbeddedSecrets.find(in: WarehouseSource.parse(text))
    }

    func testEverySpellingOfAPasswordIsFound() throws {
        let cases: [(String, String, String)] = [
            // bash's printf '%b' stopped decoding at \c, so the pattern never saw the rest
            (#"postgresql://127.0.0.1:5432/dev?application_name=a\c&user=syncer&password=S"#, "password", "S"),
            // a %-encoded '/' in the user-info defeated ://[^/@]*:[^/@]*@ after decoding
            ("postgresql://u:Sl%2Fash_Pw@host/dev", "password", "Sl/ash_Pw"),
            ("postgresql://h/db?pass%77ord=x1", "password", "x1"),
            ("postgresql://h/db?sslpassword=x2", "sslpassword", "x2"),
            ("postgres://u:p%40ss@h/db", "password", "p@ss"),
            ("postgres://u@h/db?password=zz", "password", "zz"),
            ("redshift://u:rs@h/db", "password", "rs"),
            ("host=h dbname=d password='a b'", "password", "a b"),
            ("odbc:Driver=X;Server=h;pwd={se;cret};", "pwd", "se;cret"),
            ("odbc:Driver={PostgreSQL Unicode};PWD = secret", "PWD", "secret"),
            ("odbc:Driver=Snowflake;PRIV_KEY_FILE=/k.p8;PRIV_KEY_FILE_PWD=pp", "PRIV_KEY_FILE_PWD", "pp"),
            ("odbc:Driver=Simba Spark;Auth_AccessToken=dapi1", "Auth_AccessToken", "dapi1"),
        ]
        for (source, option, value) in cases {
            let found = try secrets(source)
            XCTAssertEqual(found.options.map { $0.lowercased() }, [option.lowercased()], source)
            XCTAssertEqual(found.values, [value], source)
        }
    }

    func testSourcesWithoutSecretsPass() throws {
        for source in [
            "postgresql://syncer@127.0.0.1:5432/dev?application_name=a%5Cc&sslmode=disable",
            "postgresql://h/db?passfile=/etc/pgpass&sslkey=/k.pem", "service=wh", "host=h dbname=d user=u",
            "odbc:Driver={x;PWD=y};Server=h", "odbc:DSN=dw;UID=u;PRIV_KEY_FILE=/k.p8;TokenFile=/t",
            "sqlite:demo.db", "bigquery://proj", "snowflake://acct/db/sch?warehouse=w&user=u",
        ] {
            XCTAssertTrue(try secrets(source).isEmpty, source)
        }
    }

    func testCredentialsInCloudURLsAreRefusedByTheirParser() {
        for source in ["bigquery://u:p@proj", "snowflake://acct/db/sch?pass%77ord=x", "databricks://h/w?token=t"] {
            XCTAssertThrowsError(try secrets(source), source)
        }
    }

    func testAConninfoLibpqCannotReadIsRefusedWithoutQuotingIt() {
        XCTAssertThrowsError(try secrets("host=h password S3cretWord")) { error in
            let message = (error as? SourceError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("libpq cannot read the PostgreSQL source: missing \"=\" after"), message)
            XCTAssertFalse(message.contains("S3cret"), message)
        }
        XCTAssertThrowsError(try secrets("postgresql://h/db?pass=S3")) { error in
            XCTAssertEqual(
                (error as? SourceError)?.message,
                "libpq cannot read the PostgreSQL source: invalid URI query parameter: \"pass\"")
        }
    }
}
