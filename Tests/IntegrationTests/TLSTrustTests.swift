import Foundation
import JSONCodec
import XCTest

/// HTTPS through a TLS front whose certificate comes from a private CA (as behind a
/// TLS-inspecting proxy): refused by default, trusted when the CA is named by --ca-bundle,
/// CURL_CA_BUNDLE or SSL_CERT_FILE, as curl does.
final class TLSTrustTests: XCTestCase {
    private var scratch: ScratchFolder?
    private var folder: String { scratch!.path }
    private var proxies: [Launched] = []

    override func setUpWithError() throws {
        scratch = try ScratchFolder("tls")
        let made = try PipelineTests.shell(
            """
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj '/CN=Test Inspecting Proxy CA' &&
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj '/CN=127.0.0.1' &&
            printf 'subjectAltName=IP:127.0.0.1\\n' >ext &&
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile ext
            """, in: folder)
        XCTAssertEqual(made.0, 0, made.2)
    }

    override func tearDown() {
        for proxy in proxies { proxy.stop() }
        scratch = nil
    }

    /// Starts a TLS front for the plain HTTP server at `url`; returns its https URL.
    private func tlsFront(for url: String) throws -> String {
        let port = try XCTUnwrap(URL(string: url)?.port)
        let proxy = try Launcher.start([
            "/usr/bin/python3", SyncHome.repo.appendingPathComponent("Tests/Fixtures/tls/tls-proxy.py").path,
            folder + "/server.pem", folder + "/server.key", String(port),
        ])
        proxies.append(proxy)
        // It prints its port once it listens.
        return "https://127.0.0.1:" + (try proxy.firstLine())
    }

    func testCvLoadTrustsTheCANamedTheWayCurlReadsIt() throws {
        let emulator = try EmulatorProcess()
        defer { emulator.stop() }
        let api = try tlsFront(for: emulator.url)
        let base = ["CONVERSION_API_KEY": "sk_test_key", "CURL_CA_BUNDLE": "", "SSL_CERT_FILE": "", "SSL_CERT_DIR": ""]
        let refused = try ToolRunner.run("cv-load", ["--check", "--api-url", api], environment: base)
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("certificate"), refused.stderr)
        for environment in [["CURL_CA_BUNDLE": folder + "/ca.pem"], ["SSL_CERT_FILE": folder + "/ca.pem"]] {
            let run = try ToolRunner.run(
                "cv-load", ["--check", "--api-url", api], environment: base.merging(environment) { $1 })
            XCTAssertEqual(run.status, 0, "\(environment): \(run.stderr)")
            XCTAssertTrue(run.stderr.contains("answers and accepts the key"), run.stderr)
        }
        let option = try ToolRunner.run(
            "cv-load", ["--check", "--api-url", api, "--ca-bundle", folder + "/ca.pem"], environment: base)
        XCTAssertEqual(option.status, 0, option.stderr)
        let typo = try ToolRunner.run(
            "cv-load", ["--check", "--api-url", api, "--ca-bundle", folder + "/nope.pem"], environment: base)
        XCTAssertEqual(typo.status, 2, typo.stderr)
        XCTAssertTrue(
            typo.stderr.contains("--ca-bundle names '\(folder)/nope.pem', which is not a file this user can read"),
            typo.stderr)
        // Records are delivered over the trusted connection.
        let load = try ToolRunner.run(
            "cv-load", ["--api-url", api, "--ca-bundle", folder + "/ca.pem"], environment: base,
            stdin: "{\"type\":\"contact\",\"key\":\"contact:email:a@x.com\",\"email\":\"a@x.com\"}\n")
        XCTAssertEqual(load.status, 0, load.stderr)
        guard case .array(let stored)? = try HTTP.get(emulator.url + "/_emulator/contacts").json else {
            return XCTFail()
        }
        XCTAssertEqual(stored.count, 1)
    }

    func testWhExtractTrustsTheCAForACloudWarehouse() throws {
        // Snowflake's API names every page relative to the base URL, so a TLS front suffices.
        let api = try CloudEmulators.url("WH_TEST_SNOWFLAKE_URL")
        let secure = try tlsFront(for: api)
        let environment = [
            "WH_SOURCE": "snowflake://wh_test/DB1/PUBLIC?warehouse=WH", "SNOWFLAKE_API_URL": secure,
            "SNOWFLAKE_TOKEN": "oauth-secret", "CURL_CA_BUNDLE": "", "SSL_CERT_FILE": "",
        ]
        let refused = try ToolRunner.run("wh-extract", ["--query-text", "SELECT 1 AS one"], environment: environment)
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("certificate"), refused.stderr)
        let run = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT 1 AS one", "--ca-bundle", folder + "/ca.pem"],
            environment: environment)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "{\"ONE\":\"1\"}\n")
        let variable = try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT 1 AS one"],
            environment: environment.merging(["SSL_CERT_FILE": folder + "/ca.pem"]) { $1 })
        XCTAssertEqual(variable.status, 0, variable.stderr)
    }
}
