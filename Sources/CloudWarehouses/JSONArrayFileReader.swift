import SyncCore
import WarehouseCore
import StreamIO

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a JSON array from a file in windows and hands out its elements in batches, each batch
/// as a small JSON array of whole elements, so a result chunk of any size is parsed with memory
/// bounded by the window (and the largest single element). Only the element boundaries are
/// found here (depth, strings, escapes); the parser validates each batch.
struct JSONArrayFileReader {
    private let file: Int32
    private let window: Int
    private var buffer: [UInt8] = []
    /// Scan state, carried from one read to the next.
    private var scanned = 0
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// Where the current batch's elements begin (after `[` or a consumed `,`).
    private var batchStart = 0
    /// After the last top-level `,` seen, the end of complete elements.
    private var lastBoundary: Int?
    private var finished = false
    private var atEOF = false
    /// Read with pread from here, whatever the descriptor's own position is.
    private var offset: off_t = 0
    private var batch: [UInt8] = []

    init(file: Int32, window: Int = 1 << 20) {
        self.file = file
        self.window = window
    }

    /// The next batch as `[e1,…,en]`, or nil after the closing `]`. The bytes stay valid until
    /// the next call.
    mutating func nextBatch() throws(ExtractError) -> [UInt8]? {
        while !finished {
            if let end = try scan() { return emit(upTo: end) }
            if atEOF { throw .fetchFailed(reason: "a result chunk ended before its closing ']'", row: 0) }
            try fill()
        }
        return nil
    }

    /// Scans new bytes; returns the end of a batch when the array closed or a window's worth of
    /// whole elements is ready.
    private mutating func scan() throws(ExtractError) -> Int? {
        while scanned < buffer.count {
            let b = buffer[scanned]
            defer { scanned += 1 }
            if inString {
                if escaped {
                    escaped = false
                } else if b == 0x5C {
                    escaped = true
                } else if b == 0x22 {
                    inString = false
                }
                continue
            }
            switch b {
            case 0x22: inString = true
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if depth == 0 && b != UInt8(ascii: "[") {
                    throw .fetchFailed(reason: "a result chunk is not a JSON array", row: 0)
                }
                depth += 1
                if depth == 1 { batchStart = scanned + 1 }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                depth -= 1
                if depth == 0 {
                    finished = true
                    try checkTrailing(after: scanned + 1)
                    return scanned
                }
            case UInt8(ascii: ","):
                if depth == 1 {
                    lastBoundary = scanned
                    if scanned - batchStart >= window { return scanned }
                }
            case 0x20, 0x09, 0x0A, 0x0D: break
            default:
                if depth == 0 { throw .fetchFailed(reason: "a result chunk is not a JSON array", row: 0) }
            }
        }
        if let boundary = lastBoundary, boundary - batchStart >= window { return boundary }
        return nil
    }

    /// Copies the elements before `end` into `[…]` and drops the consumed bytes.
    private mutating func emit(upTo end: Int) -> [UInt8] {
        batch.removeAll(keepingCapacity: true)
        batch.append(UInt8(ascii: "["))
        batch.append(contentsOf: buffer[batchStart..<end])
        batch.append(UInt8(ascii: "]"))
        if finished {
            buffer.removeAll()
            scanned = 0
        } else {
            buffer.removeSubrange(0...end)
            scanned -= end + 1
            batchStart = 0
        }
        lastBoundary = nil
        return batch
    }

    private mutating func fill() throws(ExtractError) {
        var block = [UInt8](repeating: 0, count: min(window, 1 << 20))
        let n = TextFile.readSome(file, into: &block, from: 0, fileOffset: Int64(offset))
        guard n >= 0 else {
            throw .fetchFailed(reason: "reading a downloaded chunk: " + String(cString: strerror(errno)), row: 0)
        }
        if n == 0 { atEOF = true }
        offset += off_t(n)
        buffer.append(contentsOf: block[0..<n])
    }

    /// Only whitespace may follow the closing bracket (in this buffer and the rest of the file).
    private mutating func checkTrailing(after index: Int) throws(ExtractError) {
        var k = index
        while true {
            while k < buffer.count {
                guard [0x20, 0x09, 0x0A, 0x0D].contains(buffer[k]) else {
                    throw .fetchFailed(reason: "a result chunk has data after its closing ']'", row: 0)
                }
                k += 1
            }
            if atEOF { return }
            try fill()
        }
    }
}
