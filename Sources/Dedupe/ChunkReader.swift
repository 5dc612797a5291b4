import StreamIO

/// Reads a binary file front to back in exact-size pieces through one reused buffer, so
/// spill and pending files of any size are read in bounded memory.
struct ChunkReader: ~Copyable {
    private let file: ReadOnlyFile
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0

    init(path: String) throws(InputError) {
        file = try ReadOnlyFile(path: path)
        buffer = [UInt8](repeating: 0, count: 1 << 20)
    }

    /// The next `count` bytes, or nil at a clean end of file; valid until the next call.
    mutating func next(_ count: Int) throws(InputError) -> ArraySlice<UInt8>? {
        while end - start < count {
            if start > 0 {
                buffer.replaceSubrange(0..<end - start, with: buffer[start..<end])
                end -= start
                start = 0
            }
            if buffer.count < count { buffer += [UInt8](repeating: 0, count: count - buffer.count) }
            let n = try file.read(into: &buffer, from: end)
            if n == 0 {
                if end - start == 0 { return nil }
                throw file.cutShort
            }
            end += n
        }
        defer { start += count }
        return buffer[start..<start + count]
    }
}
