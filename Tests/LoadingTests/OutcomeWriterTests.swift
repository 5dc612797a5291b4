import ConversionAPI
import Foundation
import JSONCodec
import StreamIO
import SyncCore
import XCTest

@testable import Loading

/// What cv-load holds while it writes outcomes: never more than one flush's worth, whether or
/// not the acks go to a file.
final class OutcomeWriterTests: XCTestCase {
    private func records(_ n: Int) -> [PendingRecord] {
        (1...n).map { i in
            PendingRecord(contactLine: #"{"type":"contact","email":"c\#(i)@x.com","row":\#(i),"key":"k\#(i)"}"#)
        }
    }

    private func acked(_ n: Int) -> [RecordResult] {
        var result = ItemResult()
        result.cnvContactId = "0192f2c4-7d7a-7000-8000-000000000001"
        result.created = true
        return Array(repeating: .ack(result), count: n)
    }

    private func writer(acks: String?) throws -> OutcomeWriter {
        let rejects = try RejectLog(
            path: nil, diagnostics: Diagnostics(tool: "cv-load", write: { _ in }), location: "test")
        return try OutcomeWriter(acksPath: acks, rejects: rejects, counters: SharedCounters())
    }

    func testWithoutAnAcksFileNothingAccumulates() throws {
        let writer = try writer(acks: nil)
        let batch = records(1000)
        for _ in 0..<20 { try writer.record(batch, acked(batch.count)) }
        XCTAssertEqual(writer.bufferedAckBytes, 0)
    }

    func testWithAnAcksFileTheBufferIsFlushedAsItFills() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("outcome-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("acks.ndjson").path
        let writer = try writer(acks: path)
        let batch = records(1000)
        for _ in 0..<20 { try writer.record(batch, acked(batch.count)) }
        // 20,000 acks of some 100 bytes each: most of them must be on disk already.
        XCTAssertLessThan(writer.bufferedAckBytes, 1 << 20)
        try writer.flush()
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 20_000)
        XCTAssertEqual(
            lines.first,
            #"{"key":"k1","type":"contact","row":1,"cnvContactId":"0192f2c4-7d7a-7000-8000-000000000001","created":true}"#
        )
    }
}
