import ConversionAPI
import JSONCodec
import XCTest
import StreamIO
import SyncCore

final class BatchResultsTests: XCTestCase {
    private func outcomes(_ body: String, _ count: Int) -> [ItemOutcome] {
        do { return try BatchResults.outcomes(Array(body.utf8), count: count) } catch {
            XCTFail("refused: \(error.reason)")
            return []
        }
    }

    private func refusal(_ body: String, _ count: Int) -> String? {
        do { _ = try BatchResults.outcomes(Array(body.utf8), count: count) } catch { return error.reason }
        return nil
    }

    func testResultsWithObjectAndStringErrors() {
        let o = outcomes(
            #"{"data":{"results":[{"success":true,"cnvContactId":"c1","contactCreated":true},{"success":false,"error":{"code":"invalid_email","message":"bad"}},{"success":false,"error":"boom"}]}}"#,
            3)
        var first = ItemResult()
        first.cnvContactId = "c1"
        first.created = true
        XCTAssertEqual(o[0], .success(first))
        XCTAssertEqual(o[1], .failure(code: "invalid_email", message: "bad"))
        XCTAssertEqual(o[2], .failure(code: "upsert_failed", message: "boom"))
    }

    /// A 2xx that is not a batch result is never success (a wrong API URL, a proxy's page).
    func testAnswersThatAreNotResultsAreRefused() {
        XCTAssertEqual(refusal("", 2), "the body is empty")
        XCTAssertEqual(
            refusal("<html><body>Welcome to nginx!</body></html>", 2),
            "the body is not JSON: <html><body>Welcome to nginx!</body></html>")
        XCTAssertEqual(refusal("{}", 2), "no 'data' object: {}")
        XCTAssertEqual(refusal(#"{"data":{}}"#, 2), #"'data' has neither 'results' nor 'errors': {"data":{}}"#)
        XCTAssertEqual(refusal(#"{"data":{"results":[{"success":true}]}}"#, 2), "1 results for a batch of 2")
        XCTAssertEqual(
            refusal(#"{"data":{"results":[{"success":true},{"success":true},{"success":true}]}}"#, 2),
            "3 results for a batch of 2")
        XCTAssertEqual(refusal(#"{"data":{"results":[{"success":true},{}]}}"#, 2), "result 1 has no boolean 'success'")
        XCTAssertEqual(refusal(#"{"data":{"results":[{"success":true},"ok"]}}"#, 2), "result 1 is not an object")
        XCTAssertEqual(refusal(#"{"data":{"results":{}}}"#, 2), "'data.results' is not an array")
        XCTAssertEqual(
            refusal(#"{"data":{"errors":[{"index":5,"code":"x"}]}}"#, 2),
            "an entry of 'data.errors' has no index inside the batch of 2")
        XCTAssertNil(refusal(#"{"data":{"results":[{"success":true},{"success":false,"error":"x"}]}}"#, 2))
    }

    func testRetryableCodes() {
        for code in [
            "contact_not_found", "object_type_not_found", "server_error", "invalid_response", "http_503", "http_429",
            "not_sent", "timeout",
        ] {
            XCTAssertTrue(RejectCode(code).isRetryable, code)
        }
        for code in [
            "invalid_email", "invalid_field", "missing_identifier", "conflicting_identifier", "invalid_record",
            "http_400", "http_5000",
        ] {
            XCTAssertFalse(RejectCode(code).isRetryable, code)
        }
    }

    func testErrorsListAndPlainSuccess() {
        let o = outcomes(#"{"data":{"errors":[{"index":1,"code":"contact_not_found","message":"no"}]}}"#, 3)
        XCTAssertEqual(o[1], .failure(code: "contact_not_found", message: "no"))
        XCTAssertEqual(o[0], .success(ItemResult()))
        XCTAssertEqual(outcomes(#"{"data":{"errors":[]}}"#, 2), [.success(ItemResult()), .success(ItemResult())])
    }

    func testRelationshipResults() {
        let o = outcomes(
            #"{"data":{"results":[{"success":true,"cnvObjectId":"o1","objectCreated":false,"relationships":[{"success":true},{"success":false,"error":{"code":"invalid_email","message":"x"}}]}]}}"#,
            1)
        guard case .success(let r) = o[0] else { return XCTFail() }
        XCTAssertEqual(r.cnvObjectId, "o1")
        XCTAssertEqual(r.created, false)
        XCTAssertEqual(
            r.relationships,
            [
                RelationshipResult(success: true, code: nil, message: nil),
                RelationshipResult(success: false, code: "invalid_email", message: "x"),
            ])
    }

    func testRequestErrors() {
        XCTAssertEqual(
            BatchResults.requestError(
                status: 404, body: Array(#"{"error":{"code":"object_type_not_found","message":"no type"}}"#.utf8)
            ).code,
            "object_type_not_found")
        XCTAssertEqual(
            BatchResults.requestError(status: 502, body: Array("<html>bad gateway</html>".utf8)).code, "http_502")
    }

    func testRecordsBecomeItems() throws {
        var tape = JSONTape()
        var w = JSONWriter()
        var text =
            #"{"type":"contact","userId":"7","email":"a@x.com","fields":{"city":null,"a":1},"row":3,"key":"contact:userId:7","mergedRows":[1,3]}"#
        let endpoint = try text.withUTF8 { buffer throws -> Endpoint in
            try JSONParser().parse(buffer, into: &tape)
            return try RecordRequests.writeItem(tape, includeUserId: false, into: &w)
        }
        XCTAssertEqual(endpoint, .contacts)
        XCTAssertEqual(w.bytes.text, #"{"email":"a@x.com","fields":{"city":null,"a":1}}"#)
    }
}
