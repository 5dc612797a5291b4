/// The project's name and release, said once: every tool's --version and HTTP user agent.
/// (The shell driver's copy, scripts/lib/version.sh, is checked against it by scripts/lint.)
public enum Product {
    public static let name = "conversion-warehouse-sync"
    public static let version = "0.1.0"

    /// How a tool introduces itself to a server.
    public static func userAgent(tool: String) -> String { "\(name)/\(version) (\(tool); libcurl)" }
}
