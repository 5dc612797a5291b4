import SyncCore
import WarehouseCore
import StreamIO

#if canImport(Glibc)
    import Glibc
#endif

/// A profile of `~/.databrickscfg` (or `DATABRICKS_CONFIG_FILE`), chosen by
/// `DATABRICKS_CONFIG_PROFILE` (default `DEFAULT`), as the Databricks CLI and SDKs read it: an
/// INI file whose profiles hold `host` and a `token`, or `client_id` and `client_secret`.
struct DatabricksConfigFile {
    var values: [String: String]
    let origin: String

    /// The profile, or nil when there is no file; a named profile that is missing is an error.
    static func profile(environment: (String) -> String?) throws(ExtractError) -> DatabricksConfigFile? {
        guard let path = environment("DATABRICKS_CONFIG_FILE") ?? environment("HOME").map({ $0 + "/.databrickscfg" }),
            access(path, F_OK) == 0
        else { return nil }
        let name = environment("DATABRICKS_CONFIG_PROFILE") ?? "DEFAULT"
        let text: String
        do { text = try TextFile.read(path, limit: 1 << 20) } catch {
            throw .configuration("Databricks config file: \(error.message)")
        }
        var sections: [String: [String: String]] = [:]
        var current: String?
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let line = raw.trimmingCharacters(in: " \t")
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("["), line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast()).trimmingCharacters(in: " \t")
                sections[current!, default: [:]] = sections[current!] ?? [:]
                continue
            }
            guard let section = current, let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq]).trimmingCharacters(in: " \t").lowercased()
            sections[section, default: [:]][key] = String(line[line.index(after: eq)...]).trimmingCharacters(in: " \t")
        }
        guard let values = sections[name] else {
            if environment("DATABRICKS_CONFIG_PROFILE") == nil { return nil }
            throw .configuration(
                "Databricks config file '\(path)' has no profile [\(name)] (DATABRICKS_CONFIG_PROFILE); it has: "
                    + "\(sections.keys.sorted().joined(separator: ", "))"
            )
        }
        return DatabricksConfigFile(values: values, origin: "profile [\(name)] of '\(path)'")
    }

    /// The profile must be for the source's workspace: a token never goes to another host.
    func check(host: String) throws(ExtractError) {
        guard let configured = values["host"], !configured.isEmpty else { return }
        var bare = configured.lowercased()
        for prefix in ["https://", "http://"] where bare.hasPrefix(prefix) { bare.removeFirst(prefix.count) }
        while bare.hasSuffix("/") { bare.removeLast() }
        guard bare == host.lowercased() else {
            throw .configuration(
                "the Databricks \(origin) is for host '\(configured)', not '\(host)'; choose another profile with "
                    + "DATABRICKS_CONFIG_PROFILE"
            )
        }
    }
}
