import StreamIO

/// Reads back lines that were spilled to the lines file (`SpillWriter.appendExternal`): one
/// pread each, from any thread.
final class SpillLines: Sendable {
    private let file: ReadOnlyFile

    init(directory: String) throws(InputError) { file = try ReadOnlyFile(path: SpillWriter.linesPath(directory)) }

    func read(_ range: Range<Int>) throws(InputError) -> [UInt8] { try file.read(range) }
}
