import SyncCore
import WarehouseCore
import StreamIO

#if canImport(Glibc)
    import Glibc
#endif

/// A temporary file that is unlinked as soon as it is open, so it disappears with the process
/// however the process ends. Lives in $TMPDIR (default /tmp).
final class ScratchFile {
    let descriptor: Int32

    init() throws(ExtractError) {
        let folder = Self.temporaryDirectory
        let fd = FileTree.openAnonymousFile(in: folder, prefix: "wh-extract-chunk")
        guard fd >= 0 else {
            throw .fetchFailed(
                reason: "cannot create a temporary file in '\(folder)': " + String(cString: strerror(errno)), row: 0)
        }
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
        let n = TextFile.readSome(descriptor, into: &bytes, from: 0, fileOffset: 0)
        return Array(bytes.prefix(max(n, 0)))
    }
}
