import SyncCore
#if canImport(Glibc)
import Glibc
#endif

/// The few directory operations the state files need (spill folders, pending runs).
enum FileTree {
    /// Names in a directory, without "." and ".."; empty when it cannot be read.
    static func names(in path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Creates a private directory (an existing one is fine).
    static func makeDirectory(_ path: String) throws(OutputError) {
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else { throw .openFailed(path: path, errno: errno) }
    }

    /// Removes a file, or a directory and everything in it.
    static func remove(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in names(in: path) { remove(path + "/" + name) }
            rmdir(path)
        } else {
            unlink(path)
        }
    }
}
