import JSONCodec
import SyncCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Why output could not be written.
public enum OutputError: ToolError, Equatable {
    /// The reader went away (a closed pipe); tools stop quietly with success.
    case closedPipe
    /// Any other write failure, with errno and the destination's name.
    case writeFailed(destination: String, errno: Int32)
    case openFailed(path: String, errno: Int32)

    public var exitStatus: ExitStatus { self == .closedPipe ? .success : .failure }

    public var message: String {
        switch self {
        case .closedPipe: return "output closed by the reader"
        case .writeFailed(let destination, let code):
            return "cannot write to \(destination): \(String(cString: strerror(code)))"
        case .openFailed(let path, let code):
            return "cannot open '\(path)' for writing: \(String(cString: strerror(code)))"
        }
    }
}

/// A file descriptor that receives whole buffers; callers batch lines into a `JSONWriter`
/// and hand its bytes over when they reach `flushThreshold`.
public final class ByteSink {
    public let fd: Int32
    public let name: String
    public let flushThreshold: Int
    private let ownsDescriptor: Bool
    public private(set) var bytesWritten = 0

    public init(fd: Int32, name: String, flushThreshold: Int = 1 << 16) {
        self.fd = fd
        self.name = name
        self.flushThreshold = flushThreshold
        self.ownsDescriptor = false
    }

    public static func standardOutput() -> ByteSink { ByteSink(fd: 1, name: "<stdout>") }

    /// Opens `path` for writing (`append` keeps existing content, as rejects files want).
    public init(path: String, append: Bool = false, flushThreshold: Int = 1 << 16) throws(OutputError) {
        let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC)
        let fd = open(path, flags, 0o644)
        guard fd >= 0 else { throw .openFailed(path: path, errno: errno) }
        self.fd = fd
        self.name = "'\(path)'"
        self.flushThreshold = flushThreshold
        self.ownsDescriptor = true
    }

    deinit { if ownsDescriptor { close(fd) } }

    /// Makes what was written durable (fsync) and gives the file its final name: a reader of
    /// `path` sees the whole file or none of it.
    public func commit(renaming temporary: String, to path: String) throws(OutputError) {
        guard fsync(fd) == 0 else { throw .writeFailed(destination: name, errno: errno) }
        guard rename(temporary, path) == 0 else { throw .writeFailed(destination: "'\(path)'", errno: errno) }
    }

    /// Writes and empties `bytes` once they pass the threshold.
    @inline(__always)
    public func maybeFlush(_ bytes: inout ByteBuffer) throws(OutputError) {
        if bytes.count >= flushThreshold { try flush(&bytes) }
    }

    /// Writes all of `bytes` and empties it, keeping its capacity.
    public func flush(_ bytes: inout ByteBuffer) throws(OutputError) {
        let result: OutputError? = bytes.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errno == EPIPE ? .closedPipe : .writeFailed(destination: name, errno: errno)
                }
                offset += n
            }
            return nil
        }
        if let result { throw result }
        bytesWritten += bytes.count
        bytes.removeAll()
    }
}
