#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A file open for reading, closed with the last reference: read front to back into a reused
/// buffer, or at any offset (from any thread; pread does not move a shared position).
public final class ReadOnlyFile: Sendable {
    public let path: String
    private let fd: Int32

    public init(path: String) throws(InputError) {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .openFailed(path: path, errno: errno) }
    }

    deinit { close(fd) }

    /// The next bytes into `buffer[offset...]`: how many (0 at the end of the file).
    public func read(into buffer: inout [UInt8], from offset: Int) throws(InputError) -> Int {
        let n = TextFile.readSome(fd, into: &buffer, from: offset)
        guard n >= 0 else { throw .readFailed(source: path, errno: errno) }
        return n
    }

    /// The error of a file that ends before the bytes its reader knows must be there.
    public var cutShort: InputError { .readFailed(source: path, errno: EIO) }

    /// Exactly the bytes of `range` (file offsets); a file that ends before is an error.
    public func read(_ range: Range<Int>) throws(InputError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: range.count)
        var done = 0
        while done < bytes.count {
            let n = TextFile.readSome(fd, into: &bytes, from: done, fileOffset: Int64(range.lowerBound + done))
            guard n > 0 else { throw n < 0 ? .readFailed(source: path, errno: errno) : cutShort }
            done += n
        }
        return bytes
    }
}
