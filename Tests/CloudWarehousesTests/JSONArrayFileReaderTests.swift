import JSONCodec
import WarehouseCore
import XCTest

@testable import CloudWarehouses

final class JSONArrayFileReaderTests: XCTestCase {
    private func batches(_ text: String, window: Int) throws -> [String] {
        let file = try ScratchFile()
        let bytes = Array(text.utf8)
        XCTAssertEqual(bytes.withUnsafeBytes { write(file.descriptor, $0.baseAddress, $0.count) }, bytes.count)
        var reader = JSONArrayFileReader(file: file.descriptor, window: window)
        var out: [String] = []
        while let batch = try reader.nextBatch() { out.append(String(decoding: batch, as: UTF8.self)) }
        return out
    }

    func testElementsSplitOnlyAtTopLevelCommas() throws {
        let text = #" [ ["a,]\"[", [1, {"k": "}"}]], ["b"] ,[null] , [] ] "#
        let all = try batches(text, window: 1 << 20)
        XCTAssertEqual(all.count, 1)
        let small = try batches(text, window: 4)
        XCTAssertGreaterThan(small.count, 1)
        // Every batch parses, and together they hold the elements in order.
        var elements: [JSONValue] = []
        for batch in small {
            guard case .array(let items) = try JSONValue.parse(batch) else { return XCTFail(batch) }
            elements += items
        }
        XCTAssertEqual(elements, try JSONValue.parse(text).arrayElements)
    }

    func testEmptyArrayGivesOneEmptyBatch() throws {
        XCTAssertEqual(try batches("[]\n", window: 8), ["[]"])
    }

    func testTruncatedTrailingAndNonArrayInputFail() {
        XCTAssertThrowsError(try batches(#"[["a"],["b""#, window: 4)) { error in
            XCTAssertEqual(
                (error as? ExtractError)?.message, "fetching row 0 failed: a result chunk ended before its closing ']'")
        }
        XCTAssertThrowsError(try batches(#"[["a"]] x"#, window: 4))
        XCTAssertThrowsError(try batches(#"{"a":1}"#, window: 4))
    }
}

extension JSONValue {
    fileprivate var arrayElements: [JSONValue] { if case .array(let items) = self { return items } else { return [] } }
}
