#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Whole-file reads for small inputs (queries, schemas, password files); streams use `LineReader`.
public enum TextFile {
    /// The file's text, or standard input's for "-". Throws `InputError.openFailed` or `.readFailed`.
    public static func read(_ path: String, limit: Int = 64 << 20) throws(InputError) -> String {
        String(decoding: try readBytes(path, limit: limit), as: UTF8.self)
    }

    /// The file's bytes exactly (binary files, or text that must not be repaired).
    public static func readBytes(_ path: String, limit: Int = 64 << 20) throws(InputError) -> [UInt8] {
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .openFailed(path: path, errno: errno) }
        defer { if fd != 0 { close(fd) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .readFailed(source: path == "-" ? "<stdin>" : path, errno: errno)
            }
            if n == 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { throw .lineTooLong(source: path, line: 1, limit: limit) }
        }
        return bytes
    }

    /// The first line of a secret file, without its newline; the content is never echoed.
    public static func readSecret(_ path: String) throws(InputError) -> String {
        let text = try read(path, limit: 1 << 16)
        return String(text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
            .trimmingTrailing("\r")
    }

    public static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

extension String {
    func trimmingTrailing(_ c: Character) -> String {
        var s = self[...]
        while s.last == c { s = s.dropLast() }
        return String(s)
    }
}
