#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

// The file-system calls that fill Swift memory (read(2) into an array, directory entries'
// names): kept here so no module above needs a pointer for them.

/// Whole-file reads for small inputs (queries, schemas, password files); streams use `LineReader`.
public enum TextFile {
    /// One read(2) of up to `buffer.count - offset` bytes into `buffer[offset...]` (a pread(2)
    /// at `fileOffset` when given), retried on EINTR: the count read (0 at end of file), or -1
    /// with `errno` set.
    public static func readSome(_ fd: Int32, into buffer: inout [UInt8], from offset: Int, fileOffset: Int64? = nil)
        -> Int
    {
        precondition(offset >= 0 && offset <= buffer.count)
        while true {
            let n = buffer.withUnsafeMutableBytes { raw in
                let start = raw.baseAddress! + offset
                let count = raw.count - offset
                return fileOffset.map { pread(fd, start, count, off_t($0)) } ?? Glibc.read(fd, start, count)
            }
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }

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
            let n = readSome(fd, into: &chunk, from: 0)
            if n < 0 { throw .readFailed(source: path == "-" ? "<stdin>" : path, errno: errno) }
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

/// The few directory operations the state files need (spill folders, pending runs).
public enum FileTree {
    /// Names in a directory, without "." and ".."; empty when it cannot be read.
    public static func names(in path: String) -> [String] {
        guard let dir = opendir(path) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Opens a new file in `folder` whose name is removed at once, so it disappears with the
    /// process however the process ends: its descriptor, or -1 with `errno` set.
    public static func openAnonymousFile(in folder: String, prefix: String) -> Int32 {
        var template = Array((folder + "/" + prefix + ".XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        if fd >= 0 { _ = template.withUnsafeBufferPointer { unlink($0.baseAddress!) } }
        return fd
    }

    /// A regular file (after symlinks): not a folder, a socket or a device.
    public static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// The size of the file at `path` (after symlinks), nil when nothing is there.
    public static func size(_ path: String) -> Int? {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : nil
    }

    /// Whether anything is at `path` (a dangling link counts).
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Creates a private directory (an existing one is fine).
    public static func makeDirectory(_ path: String) throws(OutputError) {
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else { throw .openFailed(path: path, errno: errno) }
    }

    /// Removes a file, or a directory and everything in it.
    public static func remove(_ path: String) {
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

extension String {
    func trimmingTrailing(_ c: Character) -> String {
        var s = self[...]
        while s.last == c { s = s.dropLast() }
        return String(s)
    }
}
