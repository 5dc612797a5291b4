import Foundation
import JSONCodec
import XCTest

/// BigQuery credentials the way Google's Application Default Credentials find them beyond key
/// files: gcloud's well-known file, the metadata server, and workload identity federation
/// (`external_account`). The query runs on the BigQuery emulator; Google's token services are
/// loopback stubs answering as Google documents them (no emulator exists for them).
final class GoogleADCTests: XCTestCase {
    private var api = ""
    private let project = "wh-adc"
    private var scratch: ScratchFolder?
    private var folder: String { scratch!.path }

    override func setUpWithError() throws {
        api = try CloudEmulators.url("WH_TEST_BIGQUERY_URL")
        scratch = try ScratchFolder("adc")
    }

    override func tearDown() { scratch = nil }

    /// Nothing named: no key file, no token, no gcloud file.
    private func extract(_ environment: [String: String]) throws -> ToolRun {
        try ToolRunner.run(
            "wh-extract", ["--query-text", "SELECT 7 AS seven"],
            environment: [
                "WH_SOURCE": "bigquery://\(project)", "BIGQUERY_API_URL": api, "BIGQUERY_ACCESS_TOKEN": "",
                "GOOGLE_OAUTH_ACCESS_TOKEN": "", "GOOGLE_APPLICATION_CREDENTIALS": "", "HOME": folder,
                "CLOUDSDK_CONFIG": "",
                "GCE_METADATA_HOST": "127.0.0.1:1",
            ].merging(environment) { $1 })
    }

    func testTheMetadataServerGivesTheToken() throws {
        let metadata = try StubHTTPServer { request in
            guard request.method == "GET",
                request.path.hasPrefix("/computeMetadata/v1/instance/service-accounts/default/token"),
                request.headers["metadata-flavor"] == "Google"
            else { return .init(403, #"{"error":"missing Metadata-Flavor"}"#) }
            return .init(200, #"{"access_token":"ya29.metadata","expires_in":3599,"token_type":"Bearer"}"#)
        }
        defer { metadata.stop() }
        let run = try extract(["GCE_METADATA_HOST": "127.0.0.1:\(URL(string: metadata.url)!.port!)"])
        XCTAssertEqual(run.stdout, "{\"seven\":7}\n", run.stderr)
        XCTAssertEqual(metadata.requests.count, 1)
        XCTAssertTrue(
            metadata.requests[0].path.contains("scopes=https%3A%2F%2Fwww.googleapis.com%2Fauth%2Fbigquery"),
            metadata.requests[0].path)
    }

    func testGcloudsWellKnownFileIsFound() throws {
        let token = try StubHTTPServer { request in
            formFields(request.body)["refresh_token"] == "1//gcloud"
                ? .init(200, #"{"access_token":"ya29.gcloud","expires_in":3599,"token_type":"Bearer"}"#)
                : .init(400, #"{"error":"invalid_grant"}"#)
        }
        defer { token.stop() }
        try FileManager.default.createDirectory(atPath: folder + "/.config/gcloud", withIntermediateDirectories: true)
        let file: JSONObject = [
            "type": .string("authorized_user"), "client_id": .string("c"), "client_secret": .string("s"),
            "refresh_token": .string("1//gcloud"),
        ]
        try JSONValue.object(file).serialized.write(
            toFile: folder + "/.config/gcloud/application_default_credentials.json", atomically: true, encoding: .utf8)
        let run = try extract(["BIGQUERY_TOKEN_URL": token.url + "/token"])
        XCTAssertEqual(run.stdout, "{\"seven\":7}\n", run.stderr)
        XCTAssertEqual(token.requests.count, 1)
    }

    /// Workload identity federation: a token from another identity provider (a file here, a URL
    /// below) is exchanged at STS (RFC 8693), then for a service account's token.
    func testAnExternalAccountFileIsExchangedAndImpersonated() throws {
        let google = try StubHTTPServer { request in
            switch (request.method, request.path) {
            case ("GET", "/subject"):
                return request.headers["x-provider"] == "yes"
                    ? .init(200, "url-subject-token", headers: ["Content-Type": "text/plain"]) : .init(401, "{}")
            case ("POST", "/v1/token"):
                let form = formFields(request.body)
                guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:token-exchange",
                    form["subject_token_type"] == "urn:ietf:params:oauth:token-type:jwt",
                    form["audience"]
                        == "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q",
                    ["oidc-subject-token", "url-subject-token"].contains(form["subject_token"] ?? "")
                else {
                    return .init(400, #"{"error":"invalid_grant"}"#)
                }
                return .init(
                    200,
                    #"{"access_token":"sts-federated","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":3600}"#
                )
            case ("POST", "/v1/projects/-/serviceAccounts/sync@p.iam.gserviceaccount.com:generateAccessToken"):
                return request.headers["authorization"] == "Bearer sts-federated"
                    ? .init(200, #"{"accessToken":"ya29.impersonated","expireTime":"2030-01-01T00:00:00Z"}"#)
                    : .init(403, "{}")
            default:
                return .init(404, "{}")
            }
        }
        defer { google.stop() }
        try #"{"id_token":"oidc-subject-token"}"#.write(
            toFile: folder + "/subject.json", atomically: true, encoding: .utf8)
        func account(_ source: JSONObject) throws -> String {
            let path = folder + "/external-\(UUID().uuidString).json"
            let file: JSONObject = [
                "type": .string("external_account"),
                "audience": .string(
                    "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/q"),
                "subject_token_type": .string("urn:ietf:params:oauth:token-type:jwt"),
                "token_url": .string(google.url + "/v1/token"),
                "service_account_impersonation_url": .string(
                    google.url + "/v1/projects/-/serviceAccounts/sync@p.iam.gserviceaccount.com:generateAccessToken"),
                "credential_source": .object(source),
            ]
            try JSONValue.object(file).serialized.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let fromFile = try account([
            "file": .string(folder + "/subject.json"),
            "format": .object(["type": .string("json"), "subject_token_field_name": .string("id_token")]),
        ])
        let run = try extract(["GOOGLE_APPLICATION_CREDENTIALS": fromFile])
        XCTAssertEqual(run.stdout, "{\"seven\":7}\n", run.stderr)
        XCTAssertEqual(
            google.requests.map(\.path),
            ["/v1/token", "/v1/projects/-/serviceAccounts/sync@p.iam.gserviceaccount.com:generateAccessToken"])
        XCTAssertEqual(formFields(google.requests[0].body)["scope"], "https://www.googleapis.com/auth/cloud-platform")

        let fromURL = try account([
            "url": .string(google.url + "/subject"), "headers": .object(["X-Provider": .string("yes")]),
        ])
        let second = try extract(["GOOGLE_APPLICATION_CREDENTIALS": fromURL])
        XCTAssertEqual(second.stdout, "{\"seven\":7}\n", second.stderr)
        XCTAssertFalse((run.stderr + second.stderr).contains("subject-token"), "the subject token is a secret")
    }
}
