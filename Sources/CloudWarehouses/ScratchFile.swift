import SyncCore
import WarehouseCore
#if canImport(Glibc)
import Glibc
#endif

/// A temporary file that is unlinked as soon as it is open, so it disappears with the process
/// however the process ends. Lives in $TMPDIR (default /tmp).
final class ScratchFile {
    let descriptor: Int32

    init() throws(ExtractError) {
        let folder = Self.temporaryDirectory
        var template = Array((folder + "/wh-extract-chunk.XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw .fetchFailed(reason: "cannot create a temporary file in '\(folder)': " + String(cString: strerror(errno)), row: 0)
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        descriptor = fd
    }

    deinit { close(descriptor) }

    static var temporaryDirectory: String {
        let dir = TextFile.environment("TMPDIR") ?? ""
        return dir.isEmpty ? "/tmp" : dir
    }

    /// The first bytes written (for error messages).
    func prefix(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let n = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, count, 0) }
        return Array(bytes.prefix(max(n, 0)))
    }
}
