import SyncCore
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Why input could not be read.
public enum InputError: ToolError, Equatable {
    case openFailed(path: String, errno: Int32)
    case readFailed(source: String, errno: Int32)
    case lineTooLong(source: String, line: Int, limit: Int)

    public var exitStatus: ExitStatus {
        if case .openFailed = self { return .usage }
        return .failure
    }

    public var message: String {
        switch self {
        case .openFailed(let path, let code): return "cannot open '\(path)': \(String(cString: strerror(code)))"
        case .readFailed(let source, let code): return "\(source): read failed: \(String(cString: strerror(code)))"
        case .lineTooLong(let source, let line, let limit): return "\(source):\(line): line longer than \(limit) bytes"
        }
    }
}

/// Splits a file descriptor into lines with `read(2)` into one reusable buffer and `memchr`.
/// Memory is the longest line plus one read, whatever the input size. A line longer than
/// `maxLineLength` is read past, not kept: it comes back empty with `overlongLength` set, so
/// the caller rejects that line alone and the rest of the input goes on. A UTF-8 byte-order
/// mark at the very start (Excel, PowerShell) is not part of the first line.
public struct LineReader: ~Copyable {
    public let sourceName: String
    public let maxLineLength: Int
    private let fd: Int32
    private let ownsDescriptor: Bool
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private var start = 0
    private var end = 0
    private var atEOF = false
    /// 1-based number of the line last returned.
    public private(set) var lineNumber = 0
    /// The length of the line last returned when it was longer than `maxLineLength` (it was
    /// returned empty); nil otherwise.
    public private(set) var overlongLength: Int?
    /// Whether the line last returned ended the input without a newline (its writer may have
    /// been stopped in the middle of it).
    public private(set) var lastLineUnterminated = false
    /// Bytes of an over-long line read past so far.
    private var discarded: Int?

    public init(fd: Int32, sourceName: String, maxLineLength: Int = 256 << 20) {
        self.init(fd: fd, sourceName: sourceName, maxLineLength: maxLineLength, ownsDescriptor: false)
    }

    private init(fd: Int32, sourceName: String, maxLineLength: Int, ownsDescriptor: Bool) {
        self.fd = fd
        self.sourceName = sourceName
        self.maxLineLength = maxLineLength
        self.ownsDescriptor = ownsDescriptor
        self.capacity = 1 << 20
        // malloc and realloc, not allocate: a large buffer grows in place (glibc remaps its
        // pages) instead of being copied, which held the old and the new one at once.
        guard let memory = malloc(capacity) else { fatalError("out of memory for a 1 MiB line buffer") }
        self.buffer = memory.assumingMemoryBound(to: UInt8.self)
    }

    /// Reads `path`, or standard input for nil or "-".
    public init(path: String?, maxLineLength: Int = 256 << 20) throws(InputError) {
        guard let path, path != "-" else {
            self.init(fd: 0, sourceName: "<stdin>", maxLineLength: maxLineLength)
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .openFailed(path: path, errno: errno) }
        self.init(fd: fd, sourceName: path, maxLineLength: maxLineLength, ownsDescriptor: true)
    }

    deinit {
        free(buffer)
        if ownsDescriptor { close(fd) }
    }

    /// The next line without its `\n` (and without a trailing `\r`), or nil at end of input.
    /// The bytes stay valid until the next call.
    public mutating func next() throws(InputError) -> UnsafeBufferPointer<UInt8>? {
        overlongLength = nil
        while true {
            if end > start, let nl = memchr(buffer + start, 0x0A, end - start) {
                let lineEnd = nl.assumingMemoryBound(to: UInt8.self) - buffer
                return emit(from: start, to: lineEnd, consumed: lineEnd + 1)
            }
            if atEOF {
                guard end > start || discarded != nil else { return nil }
                lastLineUnterminated = true
                return emit(from: start, to: end, consumed: end)
            }
            try fill()
        }
    }

    private mutating func emit(from: Int, to: Int, consumed: Int) -> UnsafeBufferPointer<UInt8> {
        lineNumber += 1
        start = consumed
        if let skipped = discarded {
            discarded = nil
            overlongLength = skipped + (to - from)
            return UnsafeBufferPointer(start: buffer + from, count: 0)
        }
        var first = from
        if lineNumber == 1, to - from >= 3, buffer[from] == 0xEF, buffer[from + 1] == 0xBB, buffer[from + 2] == 0xBF {
            first += 3
        }
        var last = to
        if last > first && buffer[last - 1] == 0x0D { last -= 1 }
        return UnsafeBufferPointer(start: buffer + first, count: last - first)
    }

    private mutating func fill() throws(InputError) {
        if start > 0 {
            if end > start { memmove(buffer, buffer + start, end - start) }
            end -= start
            start = 0
        }
        if end == capacity && capacity >= maxLineLength + 1 {
            // One line fills the largest buffer: read past it, keeping only its length.
            discarded = (discarded ?? 0) + end
            end = 0
        }
        if end == capacity {
            guard let bigger = realloc(buffer, min(capacity * 2, maxLineLength + 1)) else {
                throw .readFailed(source: sourceName, errno: ENOMEM)
            }
            buffer = bigger.assumingMemoryBound(to: UInt8.self)
            capacity = min(capacity * 2, maxLineLength + 1)
        }
        while true {
            let n = read(fd, buffer + end, capacity - end)
            if n < 0 {
                if errno == EINTR { continue }
                throw .readFailed(source: sourceName, errno: errno)
            }
            if n == 0 { atEOF = true } else { end += n }
            return
        }
    }
}
