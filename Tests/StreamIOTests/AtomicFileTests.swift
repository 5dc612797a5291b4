import Foundation
import JSONCodec
import StreamIO
import XCTest

/// Stats files, the run sequence and alert bodies are replaced whole; a replacement that fails
/// leaves the old file as it was and no temporary file behind (they piled up beside the target).
final class AtomicFileTests: XCTestCase {
    func testAFailedReplacementLeavesTheOldContentAndNoTemporaryFile() throws {
        let dir = NSTemporaryDirectory() + "atomic-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir + "/target/inside", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // A directory that is not empty cannot be replaced by a file: the rename fails.
        XCTAssertThrowsError(try AtomicFile.write(Array("new\n".utf8), to: dir + "/target"))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir), ["target"])

        try AtomicFile.write(Array("one\n".utf8), to: dir + "/stats.json")
        var buffer = ByteBuffer(capacity: 8)
        buffer.append(contentsOf: Array("two\n".utf8))
        try AtomicFile.write(&buffer, to: dir + "/stats.json")
        XCTAssertEqual(try String(contentsOfFile: dir + "/stats.json", encoding: .utf8), "two\n")
        XCTAssertEqual(buffer.count, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir).sorted(), ["stats.json", "target"])
    }
}
