import ConversionAPI
import JSONCodec
import XCTest

final class BatchResultsTests: XCTestCase {
    private func outcomes(_ body: String, _ count: Int) -> [ItemOutcome] { BatchResults.outcomes(Array(body.utf8), count: count) }

    func testResultsWithObjectAndStringErrors() {
        let o = outcomes(#"{"data":{"results":[{"success":true,"cnvContactId":"c1","contactCreated":true},{"success":false,"error":{"code":"invalid_email","message":"bad"}},{"success":false,"error":"boom"}]}}"#, 4)
        var first = ItemResult()
        first.cnvContactId = "c1"
        first.created = true
        XCTAssertEqual(o[0], .success(first))
        XCTAssertEqual(o[1], .failure(code: "invalid_email", message: "bad"))
        XCTAssertEqual(o[2], .failure(code: "upsert_failed", message: "boom"))
        XCTAssertEqual(o[3], .failure(code: "internal_error", message: "the answer has no result for item 3"))
    }

    func testErrorsListAndPlainSuccess() {
        let o = outcomes(#"{"data":{"errors":[{"index":1,"code":"contact_not_found","message":"no"}]}}"#, 3)
        XCTAssertEqual(o[1], .failure(code: "contact_not_found", message: "no"))
        XCTAssertEqual(o[0], .success(ItemResult()))
        XCTAssertEqual(outcomes(#"{"data":{}}"#, 2), [.success(ItemResult()), .success(ItemResult())])
    }

    func testRelationshipResults() {
        let o = outcomes(#"{"data":{"results":[{"success":true,"cnvObjectId":"o1","objectCreated":false,"relationships":[{"success":true},{"success":false,"error":{"code":"invalid_email","message":"x"}}]}]}}"#, 1)
        guard case .success(let r) = o[0] else { return XCTFail() }
        XCTAssertEqual(r.cnvObjectId, "o1")
        XCTAssertEqual(r.created, false)
        XCTAssertEqual(r.relationships, [RelationshipResult(success: true, code: nil, message: nil),
                                         RelationshipResult(success: false, code: "invalid_email", message: "x")])
    }

    func testRequestErrors() {
        XCTAssertEqual(BatchResults.requestError(status: 404, body: Array(#"{"error":{"code":"object_type_not_found","message":"no type"}}"#.utf8)).code,
                       "object_type_not_found")
        XCTAssertEqual(BatchResults.requestError(status: 502, body: Array("<html>bad gateway</html>".utf8)).code, "http_502")
    }

    func testRecordsBecomeItems() throws {
        var tape = JSONTape()
        var w = JSONWriter()
        var text = #"{"type":"contact","userId":"7","email":"a@x.com","fields":{"city":null,"a":1},"row":3,"key":"contact:userId:7","mergedRows":[1,3]}"#
        let endpoint = try text.withUTF8 { buffer throws -> Endpoint in
            try JSONParser().parse(buffer, into: &tape)
            return try RecordRequests.writeItem(tape, includeUserId: false, into: &w)
        }
        XCTAssertEqual(endpoint, .contacts)
        XCTAssertEqual(w.bytes.text, #"{"email":"a@x.com","fields":{"city":null,"a":1}}"#)
    }
}
