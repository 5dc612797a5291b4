import Hashing
import SyncCore

/// The Kubernetes objects that run a sync home: the sync files as a ConfigMap, and for each sync
/// with a SCHEDULE a CronJob and the PersistentVolumeClaim holding its state. Kubernetes does
/// what cron and the lock did on one host: `concurrencyPolicy: Forbid` skips a start while the
/// last run still runs, and no Job is retried (the next schedule is the retry; cv-sync's own
/// retry queue and backoff carry over in the state). Secrets are never in the manifests: the
/// pods mount a Secret the user creates, as the env file and the files sync files name.
public struct KubernetesPlan: Sendable {
    public struct Sync: Sendable {
        public var name: String
        public var schedule: String
        public init(name: String, schedule: String) {
            self.name = name
            self.schedule = schedule
        }
    }

    public var syncs: [Sync]
    public var image: String
    public var namespace: String?
    /// syncs/ as the ConfigMap holds it: file name and text.
    public var files: [(name: String, text: String)]
    /// The size each sync's state volume asks for.
    public var storage: String

    public init(
        syncs: [Sync], image: String, namespace: String?, files: [(name: String, text: String)], storage: String
    ) {
        self.syncs = syncs
        self.image = image
        self.namespace = namespace
        self.files = files
        self.storage = storage
    }
}

public enum KubernetesManifests {
    public static let configMapName = "cv-sync-syncs"
    public static let secretName = "cv-sync-secrets"
    /// Where the pod has the sync home; its syncs/, state/NAME and secrets/ are mounts in it.
    public static let home = "/sync"
    /// The uid and gid the image's user has (Containerfile).
    public static let user = 10001

    public static func documents(_ plan: KubernetesPlan) -> [YAMLNode] {
        var documents = [configMap(plan)]
        for sync in plan.syncs {
            guard let cron = cronSchedule(sync.schedule, name: sync.name) else { continue }
            documents.append(claim(sync.name, plan))
            documents.append(cronJob(sync.name, cron: cron, plan))
        }
        return documents
    }

    /// A DNS-1123 name from a sync's name, unique for it: lower case, '-' for '.' and '_', and
    /// a hash of the name when that changed it (two syncs "a_b" and "a.b" stay apart). A
    /// CronJob's name leaves room for the 11 characters its Jobs add (52 in all).
    public static func resourceName(_ prefix: String, _ sync: String) -> String {
        let lowered = String(sync.lowercased().map { $0 == "." || $0 == "_" ? "-" : $0 })
        var name = prefix + "-" + lowered
        if lowered != sync || name.count > 45 || lowered.hasSuffix("-") {
            name = String(name.prefix(45)).trimmingTrailingDashes() + "-" + String(FNV1a.hex(sync).suffix(6))
        }
        return name
    }

    /// The sync's name where a label value can be it (63 characters, alphanumeric at both ends).
    static func labelValue(_ sync: String) -> String {
        let ends = [sync.first, sync.last].allSatisfy { $0.map { $0.isLetter || $0.isNumber } ?? false }
        return sync.count <= 63 && ends ? sync : resourceName("sync", sync)
    }

    /// A SCHEDULE as a cron line in UTC, each sync at its own minute (a hash of its name), so a
    /// home's syncs do not all start at once.
    public static func cronSchedule(_ schedule: String, name: String) -> String? {
        let h = FNV1a.hash(name)
        let minute = Int(h % 60)
        switch schedule {
        case "15m": return "\(minute % 15)-59/15 * * * *"
        case "1h": return "\(minute) * * * *"
        case "6h": return "\(minute) \(Int(h / 60 % 6))-23/6 * * *"
        case "1d": return "\(minute) \(Int(h / 60 % 24)) * * *"
        default: return nil
        }
    }

    private static func metadata(_ name: String, _ plan: KubernetesPlan, sync: String? = nil) -> YAMLNode {
        var labels: [(String, YAMLNode)] = [
            ("app.kubernetes.io/name", .string("cv-sync")), ("app.kubernetes.io/part-of", .string("cv-sync")),
        ]
        if let sync { labels.append(("cv-sync/sync", .string(labelValue(sync)))) }
        var entries: [(String, YAMLNode)] = [("name", .string(name))]
        if let namespace = plan.namespace { entries.append(("namespace", .string(namespace))) }
        entries.append(("labels", .map(labels)))
        return .map(entries)
    }

    private static func configMap(_ plan: KubernetesPlan) -> YAMLNode {
        .map([
            ("apiVersion", .string("v1")), ("kind", .string("ConfigMap")), ("metadata", metadata(configMapName, plan)),
            ("data", .map(plan.files.map { ($0.name, .string($0.text)) })),
        ])
    }

    private static func claim(_ sync: String, _ plan: KubernetesPlan) -> YAMLNode {
        .map([
            ("apiVersion", .string("v1")), ("kind", .string("PersistentVolumeClaim")),
            ("metadata", metadata(resourceName("cv-sync-state", sync), plan, sync: sync)),
            (
                "spec",
                .map([
                    // One pod at a time writes a sync's state (Forbid), so one node mounts it.
                    ("accessModes", .list([.string("ReadWriteOnce")])),
                    ("resources", .map([("requests", .map([("storage", .string(plan.storage))]))])),
                ])
            ),
        ])
    }

    private static func cronJob(_ sync: String, cron: String, _ plan: KubernetesPlan) -> YAMLNode {
        let labels = YAMLNode.map([
            ("app.kubernetes.io/name", .string("cv-sync")), ("cv-sync/sync", .string(labelValue(sync))),
        ])
        let pod = YAMLNode.map([
            ("metadata", .map([("labels", labels)])),
            (
                "spec",
                .map([
                    ("restartPolicy", .string("Never")),
                    ("automountServiceAccountToken", .bool(false)),
                    (
                        "securityContext",
                        .map([
                            ("runAsNonRoot", .bool(true)), ("runAsUser", .int(user)), ("runAsGroup", .int(user)),
                            ("fsGroup", .int(user)), ("seccompProfile", .map([("type", .string("RuntimeDefault"))])),
                        ])
                    ),
                    ("containers", .list([container(sync, plan)])),
                    ("volumes", .list(volumes(sync))),
                ])
            ),
        ])
        return .map([
            ("apiVersion", .string("batch/v1")), ("kind", .string("CronJob")),
            ("metadata", metadata(resourceName("cv-sync", sync), plan, sync: sync)),
            (
                "spec",
                .map([
                    ("schedule", .string(cron)), ("timeZone", .string("Etc/UTC")),
                    ("concurrencyPolicy", .string("Forbid")),
                    // A start missed by more than this is left to the next schedule.
                    ("startingDeadlineSeconds", .int(300)),
                    ("successfulJobsHistoryLimit", .int(3)), ("failedJobsHistoryLimit", .int(3)),
                    (
                        "jobTemplate",
                        .map([
                            ("metadata", .map([("labels", labels)])),
                            ("spec", .map([("backoffLimit", .int(0)), ("template", pod)])),
                        ])
                    ),
                ])
            ),
        ])
    }

    private static func container(_ sync: String, _ plan: KubernetesPlan) -> YAMLNode {
        .map([
            ("name", .string("cv-sync")), ("image", .string(plan.image)),
            (
                "args",
                .list(
                    ["--env-file", "\(home)/secrets/cv-sync.env", "run", sync].map { .string($0) })
            ),
            (
                "env",
                .list([
                    .map([("name", .string("CV_SYNC_HOME")), ("value", .string(home))]),
                    .map([("name", .string("TMPDIR")), ("value", .string("/tmp"))]),
                ])
            ),
            (
                "securityContext",
                .map([
                    ("allowPrivilegeEscalation", .bool(false)), ("readOnlyRootFilesystem", .bool(true)),
                    ("capabilities", .map([("drop", .list([.string("ALL")]))])),
                ])
            ),
            (
                "resources",
                .map([
                    ("requests", .map([("cpu", .string("100m")), ("memory", .string("128Mi"))])),
                    ("limits", .map([("memory", .string("512Mi"))])),
                ])
            ),
            (
                "volumeMounts",
                .list([
                    mount("home", home), mount("syncs", "\(home)/syncs", readOnly: true),
                    mount("state", "\(home)/state/\(sync)"), mount("secrets", "\(home)/secrets", readOnly: true),
                    mount("tmp", "/tmp"),
                ])
            ),
        ])
    }

    private static func mount(_ name: String, _ path: String, readOnly: Bool = false) -> YAMLNode {
        var entries: [(String, YAMLNode)] = [("name", .string(name)), ("mountPath", .string(path))]
        if readOnly { entries.append(("readOnly", .bool(true))) }
        return .map(entries)
    }

    private static func volumes(_ sync: String) -> [YAMLNode] {
        [
            // The home itself is scratch (cv-sync.log); what lasts is on the state volume.
            .map([("name", .string("home")), ("emptyDir", .map([]))]),
            .map([("name", .string("syncs")), ("configMap", .map([("name", .string(configMapName))]))]),
            .map([
                ("name", .string("state")),
                ("persistentVolumeClaim", .map([("claimName", .string(resourceName("cv-sync-state", sync)))])),
            ]),
            // 0400: only the owner reads; with fsGroup the pod's group may too, nobody else.
            .map([
                ("name", .string("secrets")),
                ("secret", .map([("secretName", .string(secretName)), ("defaultMode", .int(0o400))])),
            ]),
            .map([("name", .string("tmp")), ("emptyDir", .map([]))]),
        ]
    }
}

extension String {
    fileprivate func trimmingTrailingDashes() -> String {
        var s = self
        while s.hasSuffix("-") { s.removeLast() }
        return s
    }
}
