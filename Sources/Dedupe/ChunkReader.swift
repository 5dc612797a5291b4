import SyncCore
import StreamIO

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a binary file front to back in exact-size pieces through one reused buffer, so
/// spill and pending files of any size are read in bounded memory.
struct ChunkReader: ~Copyable {
    private let fd: Int32
    private let path: String
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0

    init(path: String) throws(InputError) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .openFailed(path: path, errno: errno) }
        self.path = path
        buffer = [UInt8](repeating: 0, count: 1 << 20)
    }

    deinit { close(fd) }

    /// The next `count` bytes, or nil at a clean end of file; valid until the next call.
    mutating func next(_ count: Int) throws(InputError) -> ArraySlice<UInt8>? {
        while end - start < count {
            if start > 0 {
                buffer.replaceSubrange(0..<end - start, with: buffer[start..<end])
                end -= start
                start = 0
            }
            if buffer.count < count { buffer += [UInt8](repeating: 0, count: count - buffer.count) }
            let n = TextFile.readSome(fd, into: &buffer, from: end)
            if n < 0 { throw .readFailed(source: path, errno: errno) }
            if n == 0 {
                if end - start == 0 { return nil }
                throw .readFailed(source: path, errno: EIO)
            }
            end += n
        }
        defer { start += count }
        return buffer[start..<start + count]
    }
}
