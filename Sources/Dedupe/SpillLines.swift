import StreamIO

#if canImport(Glibc)
    import Glibc
#endif

/// Reads back lines that were spilled to the lines file (`SpillWriter.appendExternal`): one
/// pread each, from any thread.
final class SpillLines: Sendable {
    private let fd: Int32
    private let path: String

    init(directory: String) throws(InputError) {
        path = SpillWriter.linesPath(directory)
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .openFailed(path: path, errno: errno) }
    }

    deinit { close(fd) }

    func read(_ range: Range<Int>) throws(InputError) -> [UInt8] {
        var line = [UInt8](repeating: 0, count: range.count)
        var done = 0
        while done < line.count {
            let n = TextFile.readSome(fd, into: &line, from: done, fileOffset: Int64(range.lowerBound + done))
            guard n > 0 else { throw .readFailed(source: path, errno: n < 0 ? errno : EIO) }
            done += n
        }
        return line
    }
}
