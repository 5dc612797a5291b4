import ArgumentParser
import Deployment
import StreamIO
import SyncCore
import ToolRuntime

struct Kubernetes: ToolCommand {
    static let toolName = "cv-run"
    static let configuration = CommandConfiguration(
        abstract:
            "The Kubernetes manifests of a sync home (cv-sync schedule --kubernetes): a ConfigMap of syncs/, and per "
            + "scheduled sync a CronJob and a PersistentVolumeClaim for its state. No secret is in them.")

    @Option(name: .long, help: "The sync home (CV_SYNC_HOME).")
    var home: String

    @Option(name: .long, help: "A sync and its SCHEDULE, NAME=SCHEDULE (empty: by hand, no CronJob); repeat.")
    var sync: [String] = []

    @Option(name: .long, help: "A file a sync file names for a secret; repeat. It must be in the home's secrets/.")
    var secretFile: [String] = []

    @Option(name: .long, help: "The image the pods run.")
    var image: String

    @Option(name: .long, help: "The namespace of every object (default: kubectl's).")
    var namespace: String?

    @Option(name: .long, help: "The size each sync's state volume asks for.")
    var storage = "1Gi"

    /// A ConfigMap holds at most 1 MiB; what a sync home's syncs/ needs is far less.
    static let fileLimit = 256 * 1024
    static let totalLimit = 900 * 1024

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        let syncs = sync.map { entry in
            let parts = entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            return KubernetesPlan.Sync(name: String(parts[0]), schedule: parts.count > 1 ? String(parts[1]) : "")
        }
        for entry in syncs where KubernetesManifests.cronSchedule(entry.schedule, name: entry.name) == nil {
            diagnostics.warning("\(entry.name) has no SCHEDULE: no CronJob (run it by hand or give it one)")
        }
        let plan = KubernetesPlan(
            syncs: syncs, image: image, namespace: namespace, files: try syncFiles(diagnostics), storage: storage)
        print(header(plan), terminator: "")
        for document in KubernetesManifests.documents(plan) { print("---\n" + document.document, terminator: "") }
        return .success
    }

    /// syncs/ top-level text files; what a ConfigMap cannot hold is named and left out.
    private func syncFiles(_ diagnostics: Diagnostics) throws -> [(name: String, text: String)] {
        var files: [(name: String, text: String)] = []
        var total = 0
        for name in FileTree.names(in: home + "/syncs").sorted() {
            let path = home + "/syncs/" + name
            guard FileTree.isRegularFile(path) else { continue }
            guard
                name.utf8.allSatisfy({ c in
                    c == 0x2d || c == 0x2e || c == 0x5f || (c >= 0x30 && c <= 0x39)
                        || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
                })
            else {
                diagnostics.warning("syncs/\(name) is left out: a ConfigMap key is letters, digits, '-', '_', '.'")
                continue
            }
            // Too long or unreadable: as a binary file, left out with a word.
            let bytes = (try? TextFile.readBytes(path, limit: Self.fileLimit)) ?? [0]
            guard !bytes.contains(0), let text = String(validating: bytes, as: UTF8.self) else {
                diagnostics.warning("syncs/\(name) is left out: not a readable text file of at most 256 KiB")
                continue
            }
            total += bytes.count
            files.append((name, text))
        }
        guard total <= Self.totalLimit else {
            throw ConfigurationError.invalidValue(
                setting: "syncs/", expected: "at most 900 KiB of text to fit in a ConfigMap",
                got: "\(total / 1024) KiB")
        }
        return files
    }

    private func header(_ plan: KubernetesPlan) -> String {
        let secrets = home + "/secrets/"
        let (secretName, podHome) = (KubernetesManifests.secretName, KubernetesManifests.home)
        var fromFiles = ["--from-file=cv-sync.env"]
        var missing: [String] = []
        for path in Set(secretFile).sorted() {
            if path.hasPrefix(secrets), !path.dropFirst(secrets.count).contains("/") {
                fromFiles.append("--from-file=secrets/\(path.dropFirst(secrets.count))")
            } else {
                missing.append("# not in the home's secrets/ folder, so no pod will have it: \(path)\n")
            }
        }
        return """
            # Kubernetes manifests for the sync home \(home), from `cv-sync schedule --kubernetes`.
            # No secret is in them: the pods mount the Secret \(secretName) at \(podHome)/secrets,
            # holding the env file (cv-sync.env, may be empty) and the files the sync files name
            # (as ../secrets/FILE). From the sync home, create it, then apply these:
            #   kubectl create secret generic \(secretName) \(fromFiles.joined(separator: " "))
            #   kubectl apply -f manifests.yaml

            """ + missing.joined()
    }
}
