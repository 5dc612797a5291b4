import Foundation
import XCTest

/// `cv-sync schedule --kubernetes`: the manifests a sync home runs from on Kubernetes, checked
/// with kubernetes-validate (PyPI) against the API's own schemas, strictly (no field it does
/// not know), and read back with PyYAML for what they must say.
final class DriverKubernetesTests: XCTestCase {
    private var home = ""
    private let apiKey = "sk_test_k8s_never_printed_4411"

    override func setUpWithError() throws {
        home = NSTemporaryDirectory() + "k8s-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home + "/syncs", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: home + "/secrets", withIntermediateDirectories: true)
        try write("secrets/people.key", apiKey + "\n", mode: 0o600)
        try write("syncs/people.sql", "SELECT id AS \"userId\", email\nFROM people\n")
        try write(
            "syncs/people.sync",
            "SOURCE=postgresql://sync@db.internal/dw\nTYPE=contacts\nQUERY=people.sql\nSCHEDULE=1h\n"
                + "API_KEY_FILE=../secrets/people.key\n")
        try write(
            "syncs/Order_Events.sync",
            "SOURCE=postgresql://sync@db.internal/dw\nTYPE=events\nQUERY=people.sql\nSCHEDULE=15m\n")
        try write("syncs/by-hand.sync", "SOURCE=postgresql://sync@db.internal/dw\nTYPE=events\nQUERY=people.sql\n")
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: home) }

    private func write(_ path: String, _ text: String, mode: Int16 = 0o644) throws {
        try text.write(toFile: "\(home)/\(path)", atomically: true, encoding: .utf8)
        chmod("\(home)/\(path)", mode_t(mode))
    }

    private var python: String {
        get throws {
            guard let python = ProcessInfo.processInfo.environment["CV_TEST_PYTHON"] else {
                if ProcessInfo.processInfo.environment["CV_REQUIRE_SERVERS"] == "1" {
                    XCTFail("CV_TEST_PYTHON is not set")
                }
                throw XCTSkip("no CV_TEST_PYTHON with kubernetes-validate: run the suite with scripts/test")
            }
            return python
        }
    }

    private func cvSync(_ arguments: String, user: String = "") throws -> (Int32, String, String) {
        try PipelineTests.shell(
            "\(user)env CV_SYNC_HOME='\(home)' CV_BIN='\(ToolRunner.binDirectory.path)' "
                + "'\(SyncHome.repo.appendingPathComponent("scripts/cv-sync").path)' \(arguments)")
    }

    func testTheManifestsAreValidAndSayWhatARunNeeds() throws {
        let python = try python
        let (status, manifests, err) = try cvSync(
            "schedule --kubernetes --namespace data --image registry.local/cv-sync:1 --storage 2Gi")
        XCTAssertEqual(status, 0, err)
        XCTAssertTrue(err.contains("by-hand has no SCHEDULE: no CronJob"), err)
        XCTAssertFalse(manifests.contains(apiKey), "no secret in the manifests")
        let file = home + "/manifests.yaml"
        try manifests.write(toFile: file, atomically: true, encoding: .utf8)
        let validator = URL(fileURLWithPath: python).deletingLastPathComponent().appendingPathComponent(
            "kubernetes-validate"
        ).path
        let (valid, report, problems) = try PipelineTests.shell(
            "'\(validator)' --strict --kubernetes-version 1.37.0 '\(file)'")
        XCTAssertEqual(valid, 0, report + problems)
        XCTAssertEqual(report.components(separatedBy: " passed for resource ").count - 1, 5, report)

        // What each CronJob says, read back by a YAML parser.
        let summary = """
            import sys, yaml
            for d in yaml.safe_load_all(open(sys.argv[1])):
                if d["kind"] == "ConfigMap":
                    print("configmap", ",".join(sorted(d["data"])))
                if d["kind"] == "PersistentVolumeClaim":
                    print("claim", d["metadata"]["name"], d["spec"]["resources"]["requests"]["storage"])
                if d["kind"] != "CronJob":
                    continue
                s = d["spec"]; p = s["jobTemplate"]["spec"]["template"]["spec"]; c = p["containers"][0]
                vols = {v["name"]: v for v in p["volumes"]}
                mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
                print("cronjob", d["metadata"]["name"], d["metadata"]["namespace"], s["schedule"], s["concurrencyPolicy"],
                      s["jobTemplate"]["spec"]["backoffLimit"], p["securityContext"]["runAsNonRoot"],
                      c["securityContext"]["readOnlyRootFilesystem"], c["image"], " ".join(c["args"]),
                      vols["state"]["persistentVolumeClaim"]["claimName"], mounts["state"],
                      oct(vols["secrets"]["secret"]["defaultMode"]), vols["secrets"]["secret"]["secretName"])
            """
        let (read, lines, readErr) = try PipelineTests.shell(
            "'\(python)' -c '\(summary.replacingOccurrences(of: "'", with: "'\\''"))' '\(file)'")
        XCTAssertEqual(read, 0, readErr)
        let got = Set(lines.split(separator: "\n").map(String.init))
        let people = try XCTUnwrap(got.first { $0.hasPrefix("cronjob cv-sync-people ") }, lines)
        let minute = try XCTUnwrap(Int(people.split(separator: " ")[3]), people)
        XCTAssertEqual(
            people,
            "cronjob cv-sync-people data \(minute) * * * * Forbid 0 True True registry.local/cv-sync:1 "
                + "--env-file /sync/secrets/cv-sync.env run people cv-sync-state-people /sync/state/people 0o400 "
                + "cv-sync-secrets")
        let events = try XCTUnwrap(got.first { $0.contains(" run Order_Events ") }, lines)
        XCTAssertNotNil(
            events.range(
                of: #"^cronjob cv-sync-order-events-[0-9a-f]{6} data \d+-59/15 \* \* \* \* Forbid 0 True True "#,
                options: .regularExpression), events)
        XCTAssertTrue(events.contains(" /sync/state/Order_Events "), events)
        XCTAssertTrue(got.contains("configmap Order_Events.sync,by-hand.sync,people.sql,people.sync"), lines)
        XCTAssertTrue(got.contains("claim cv-sync-state-people 2Gi"), lines)
        XCTAssertEqual(got.filter { $0.hasPrefix("cronjob ") }.count, 2, "none for the sync run by hand")
        XCTAssertTrue(manifests.contains("--from-file=secrets/people.key"), "the Secret's files are listed")
        // An option of the manifests given without --kubernetes is a mistake, not ignored.
        let (misused, _, why) = try cvSync("schedule --namespace data")
        XCTAssertEqual(misused, 2, why)
        XCTAssertTrue(why.contains("schedule: --namespace goes with --kubernetes"), why)
    }

    /// In the pod the Secret is mounted owned by root and readable through the pod's group
    /// (fsGroup): the env file check takes that for what it is, as long as no other user can
    /// read it. Before, a user other than root was refused ("belongs to another user").
    func testAnEnvFileMountedFromASecretIsAccepted() throws {
        try write("cv-sync.env", "CONVERSION_API_KEY=\(apiKey)\n", mode: 0o440)
        XCTAssertEqual(
            try PipelineTests.shell(
                "chown 0:10001 '\(home)/cv-sync.env' '\(home)/secrets/people.key' && chmod 440 '\(home)/secrets/people.key' "
                    + "&& chown -R 10001:10001 '\(home)/syncs'"
            ).0, 0)
        chmod(home, 0o755)
        let asPod = "setpriv --reuid=10001 --regid=10001 --clear-groups "
        guard getuid() == 0 else { throw XCTSkip("running as another user needs root (CI runs as root)") }
        let (status, _, err) = try cvSync("--env-file '\(home)/cv-sync.env' schedule --kubernetes", user: asPod)
        XCTAssertEqual(status, 0, err)
        chmod("\(home)/cv-sync.env", 0o444)
        let (refused, _, why) = try cvSync("--env-file '\(home)/cv-sync.env' schedule --kubernetes", user: asPod)
        XCTAssertEqual(refused, 2, why)
        XCTAssertTrue(why.contains("can be read by any user (mode 444)"), why)
    }
}
