import SyncCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// The one version of every tool. An installed tool also names the commit it was built from:
/// `make install` writes it to PREFIX/lib/conversion-warehouse-sync/VERSION, beside the bin folder
/// the tools are in (cv-sync --version reads the same file). A build in a checkout says only the
/// number.
public enum ToolVersion {
    public static let number = Product.version

    public static let text: String = installedCommit().map { "\(number) (\($0))" } ?? number

    /// The first line of ../lib/conversion-warehouse-sync/VERSION next to this executable.
    static func installedCommit() -> String? {
        var path = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &path, path.count - 1)
        guard length > 0 else { return nil }
        let executable = String(decoding: path[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard let slash = executable.lastIndex(of: "/") else { return nil }
        let file = String(executable[..<slash]) + "/../lib/conversion-warehouse-sync/VERSION"
        guard let stream = fopen(file, "r") else { return nil }
        defer { fclose(stream) }
        var line = [CChar](repeating: 0, count: 256)
        guard fgets(&line, Int32(line.count), stream) != nil else { return nil }
        let commit = String(decoding: line.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return commit.isEmpty ? nil : commit
    }
}
