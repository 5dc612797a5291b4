import SyncCore
import Synchronization
import StreamIO

#if canImport(Glibc)
    import Glibc
#endif

/// Which certificate authorities HTTPS connections trust: the system's, unless the user names
/// others the way curl reads them: `--ca-bundle FILE`, else `CURL_CA_BUNDLE`, else
/// `SSL_CERT_FILE` (PEM files), and `SSL_CERT_DIR` (a folder prepared with `c_rehash`). Behind a
/// TLS-inspecting proxy, its CA goes there. Verification itself is never turned off.
public enum TLSTrust {
    private static let chosenBundle = Mutex<String?>(nil)

    /// `--ca-bundle FILE`: checked now, so a typo is a configuration error, not a TLS failure later.
    public static func use(caBundle path: String) throws(ConfigurationError) {
        try readable(path, from: "--ca-bundle")
        chosenBundle.withLock { $0 = path }
    }

    /// Checks the files the environment names, so a wrong path is reported as such.
    public static func checkEnvironment() throws(ConfigurationError) {
        for name in ["CURL_CA_BUNDLE", "SSL_CERT_FILE"] {
            if let path = environment(name) { try readable(path, from: name) }
        }
        if let folder = environment("SSL_CERT_DIR"), access(folder, X_OK) != 0 {
            throw .unreadable(setting: "SSL_CERT_DIR", path: folder, kind: "folder")
        }
    }

    static var bundle: String? {
        chosenBundle.withLock { $0 } ?? environment("CURL_CA_BUNDLE") ?? environment("SSL_CERT_FILE")
    }
    static var folder: String? { environment("SSL_CERT_DIR") }

    private static func environment(_ name: String) -> String? {
        guard let value = TextFile.environment(name), !value.isEmpty else { return nil }
        return value
    }

    private static func readable(_ path: String, from source: String) throws(ConfigurationError) {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, access(path, R_OK) == 0 else {
            throw .unreadable(setting: source, path: path, kind: "file", expected: "PEM certificates")
        }
    }
}
