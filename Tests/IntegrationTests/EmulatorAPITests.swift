import Foundation
import JSONCodec
import XCTest

/// The emulator over real HTTP on loopback: the reference's success and error cases.
final class EmulatorAPITests: XCTestCase {
    var emulator: EmulatorProcess!

    override func setUpWithError() throws { emulator = try EmulatorProcess() }
    override func tearDown() { emulator.stop() }

    private func results(_ r: HTTP.Response) -> [JSONObject] {
        guard case .array(let items)? = r.json?.objectValue?["data"]?.objectValue?["results"] else { return [] }
        return items.compactMap(\.objectValue)
    }

    private func code(_ item: JSONObject) -> String? { item["error"]?.objectValue?["code"]?.stringValue }

    func testContactsUpsertMatchingAndErrors() throws {
        let u = emulator.url
        let created = try HTTP.post(
            u + "/v2/contacts",
            #"{"email":"Ann@X.com","userId":"42","fields":{"first_name":"Ann","lead_score":7},"companyFields":{"company_name":"Acme","domain":"acme.test"}}"#
        )
        XCTAssertEqual(created.status, 200, created.body)
        let id = created.json?.objectValue?["data"]?.objectValue?["cnvContactId"]?.stringValue
        XCTAssertEqual(created.json?.objectValue?["data"]?.objectValue?["contactCreated"], .bool(true))
        // userId matches first; the email is updated as given.
        let byUserId = try HTTP.post(
            u + "/v2/contacts", #"{"userId":"42","email":"ann@new.test","fields":{"city":"Porto"}}"#)
        XCTAssertEqual(byUserId.json?.objectValue?["data"]?.objectValue?["cnvContactId"]?.stringValue, id)
        XCTAssertEqual(byUserId.json?.objectValue?["data"]?.objectValue?["contactCreated"], .bool(false))
        // Email matching is case-insensitive after trimming.
        let byEmail = try HTTP.post(u + "/v2/contacts", #"{"email":"  ANN@NEW.test ","fields":{"last_name":"Lee"}}"#)
        XCTAssertEqual(byEmail.json?.objectValue?["data"]?.objectValue?["cnvContactId"]?.stringValue, id)
        let cases: [(String, Int, String)] = [
            (#"{"fields":{"first_name":"x"}}"#, 400, "missing_identifier"),
            (#"{"email":"not-an-email"}"#, 400, "invalid_email"),
            (#"{"email":"b@x.com","fields":{"nope":1}}"#, 400, "invalid_field"),
            (#"{"email":"b@x.com","fields":{"lead_score":"high"}}"#, 400, "invalid_field"),
            (#"{"email":"b@x.com","subscriptionStatus":"YES"}"#, 400, "invalid_subscription_status"),
            (#"{"userId":"99"}"#, 404, "contact_not_found"),
            (#"{"userId":"77","email":"ann@new.test"}"#, 400, "conflicting_identifier"),
            (#"{"email":"c@x.com","updateOnly":true}"#, 404, "contact_not_found"),
        ]
        for (body, status, code) in cases {
            let r = try HTTP.post(u + "/v2/contacts", body)
            XCTAssertEqual(r.status, status, body)
            XCTAssertEqual(r.json?.objectValue?["error"]?.objectValue?["code"]?.stringValue, code, body)
        }
        let stored = try HTTP.get(u + "/_emulator/contacts").json
        guard case .array(let contacts)? = stored else { return XCTFail() }
        XCTAssertEqual(contacts.count, 1)
        let ann = contacts[0].objectValue!
        XCTAssertEqual(
            ann["email"], .string("  ANN@NEW.test "),
            "emails are stored as given, matched trimmed and case-insensitively")
        XCTAssertEqual(
            ann["fields"],
            .object([
                "first_name": .string("Ann"), "lead_score": .number("7"), "city": .string("Porto"),
                "last_name": .string("Lee"),
            ]))
        XCTAssertEqual(ann["company"], .object(["company_name": .string("Acme"), "domain": .string("acme.test")]))
    }

    func testContactBatchesPartialFailuresAndLimits() throws {
        let u = emulator.url
        let r = try HTTP.post(
            u + "/v2/contacts/batch",
            #"{"contacts":[{"email":"a@x.com"},{"email":"bad"},{"userId":"1"},{"email":"d@x.com","companyFields":{"domain":"acme.test"}}]}"#
        )
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(results(r).map { $0["success"] }, [.bool(true), .bool(false), .bool(false), .bool(true)])
        XCTAssertEqual(results(r).map(code), [nil, "invalid_email", "contact_not_found", nil])
        let many = "{\"contacts\":[" + (0...1000).map { "{\"email\":\"u\($0)@x.com\"}" }.joined(separator: ",") + "]}"
        for body in [#"{"contacts":[]}"#, many, #"{"contact":[]}"#, #"{"contacts":{}}"#, "[1]"] {
            let bad = try HTTP.post(u + "/v2/contacts/batch", body)
            XCTAssertEqual(bad.status, 400)
            XCTAssertEqual(bad.json?.objectValue?["error"]?.objectValue?["code"]?.stringValue, "invalid_request")
        }
        let exactly1000 =
            "{\"contacts\":[" + (0..<1000).map { "{\"email\":\"u\($0)@x.com\"}" }.joined(separator: ",") + "]}"
        XCTAssertEqual(results(try HTTP.post(u + "/v2/contacts/batch", exactly1000)).count, 1000)
        // Companies: found by domain when the contact has none.
        let companies = try HTTP.get(u + "/_emulator/contacts").json
        guard case .array(let all)? = companies else { return XCTFail() }
        XCTAssertEqual(all.count, 1002)
    }

    func testEventsResolutionAndUpdateInPlace() throws {
        let u = emulator.url
        _ = try HTTP.post(
            u + "/v2/contacts/batch", #"{"contacts":[{"email":"a@x.com","userId":"1"},{"email":"b@x.com"}]}"#)
        let single = try HTTP.post(
            u + "/v2/events",
            #"{"event":"signup","email":"B@x.com","eventId":"e1","data":{"plan":"pro"},"timestamp":"2026-01-02T03:04:05+01:00"}"#
        )
        XCTAssertEqual(single.status, 200, single.body)
        let missing = try HTTP.post(u + "/v2/events", #"{"event":"signup","email":"nobody@x.com"}"#)
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.json?.objectValue?["error"]?.objectValue?["code"]?.stringValue, "contact_not_found")
        let batch = try HTTP.post(
            u + "/v2/events/batch",
            #"{"events":[{"event":"buy","userId":"1","eventId":"o1","data":{"n":1}},{"event":"buy","userId":"9","email":"a@x.com"},{"event":"buy","userId":"1","eventId":"o1","data":{"n":2}},{"userId":"1"},{"event":"x"}]}"#
        )
        XCTAssertEqual(batch.status, 200)
        let data = batch.json?.objectValue?["data"]?.objectValue
        XCTAssertEqual(data?["processed"], .number("5"))
        XCTAssertEqual(data?["tracked"], .number("2"))
        XCTAssertEqual(
            results(batch).map(code), [nil, "conflicting_identifier", nil, "invalid_request", "missing_identifier"])
        guard case .array(let events)? = try HTTP.get(u + "/_emulator/events").json else { return XCTFail() }
        XCTAssertEqual(events.count, 2, "o1 was updated in place, not stored twice")
        let o1 = events.compactMap(\.objectValue).first { $0["eventId"] == .string("o1") }
        XCTAssertEqual(o1?["data"], .object(["n": .number("2")]))
        XCTAssertEqual(o1?["updates"], .number("1"))
        XCTAssertEqual(events[0].objectValue?["timestamp"], .string("2026-01-02T02:04:05Z"))
        let tooMany =
            "{\"events\":[" + Array(repeating: #"{"event":"x","userId":"1"}"#, count: 201).joined(separator: ",") + "]}"
        XCTAssertEqual(try HTTP.post(u + "/v2/events/batch", tooMany).status, 400)
    }

    func testObjectsRelationshipsAndContactAutoCreation() throws {
        let u = emulator.url
        _ = try HTTP.post(u + "/v2/contacts", #"{"email":"a@x.com","userId":"1"}"#)
        let r = try HTTP.post(
            u + "/v2/objects/product/batch",
            #"{"objects":[{"id":"p1","fields":{"name":"Pro"},"relationships":[{"userId":"1","fields":{"role":"owner"}},{"email":"new@x.com","fields":{"quantity":2}},{"userId":"u-only"}]},{"id":"p2","fields":{"colour":"red"}},{"fields":{}}]}"#
        )
        XCTAssertEqual(r.status, 200, r.body)
        let items = results(r)
        XCTAssertEqual(items.map(code), [nil, "invalid_field", "missing_identifier"])
        guard case .array(let rels)? = items[0]["relationships"] else { return XCTFail() }
        XCTAssertEqual(rels.map { $0.objectValue?["contactCreated"] }, [.bool(false), .bool(true), .bool(true)])
        guard case .array(let products)? = try HTTP.get(u + "/_emulator/objects/product").json else { return XCTFail() }
        XCTAssertEqual(products.count, 1)
        guard case .array(let stored)? = products[0].objectValue?["relationships"] else { return XCTFail() }
        XCTAssertEqual(stored.count, 3)
        guard case .array(let contacts)? = try HTTP.get(u + "/_emulator/contacts").json else { return XCTFail() }
        XCTAssertEqual(contacts.count, 3, "relationships created new@x.com and the userId-only contact")
        let unknown = try HTTP.post(u + "/v2/objects/invoice/batch", #"{"objects":[{"id":"i1"}]}"#)
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.json?.objectValue?["error"]?.objectValue?["code"]?.stringValue, "object_type_not_found")
    }

    func testAuthenticationContentTypeAndMalformedInput() throws {
        let u = emulator.url
        let noKey = try HTTP.post(
            u + "/v2/contacts", #"{"email":"a@x.com"}"#, headers: ["Content-Type": "application/json"])
        XCTAssertEqual(noKey.status, 401)
        XCTAssertEqual(noKey.body, #"{"error":{"code":"unauthorized","message":"missing or invalid X-API-Key"}}"#)
        let text = try HTTP.post(
            u + "/v2/contacts", "email=a", headers: ["X-API-Key": "k", "Content-Type": "text/plain"])
        XCTAssertEqual(text.status, 400)
        let notJSON = try HTTP.post(u + "/v2/contacts", "{not json")
        XCTAssertEqual(notJSON.status, 400)
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        XCTAssertEqual(try HTTP.post(u + "/v2/contacts/batch", "{\"contacts\":\(deep)}").status, 400)
        let huge = Data(("{\"contacts\":[{\"email\":\"" + String(repeating: "a", count: 10 << 20) + "@x.com\"}]}").utf8)
        switch HTTP.request("POST", u + "/v2/contacts/batch", data: huge) {
        case .success(let r): XCTAssertEqual(r.status, 413)
        case .failure: break  // the server may close while the client is still sending; it must stay up
        }
        XCTAssertEqual(try HTTP.get(u + "/_emulator/health").status, 200, "still healthy after malformed input")
        XCTAssertEqual(try HTTP.post(u + "/v2/contacts", #"{"email":"a@x.com"}"#).status, 200)
        let log = try HTTP.get(u + "/_emulator/requests")
        XCTAssertFalse(log.body.contains("sk_test_key"), "the API key never reaches the request log")
    }

    func testConfiguredKeyIsTheOnlyOneAccepted() throws {
        let keyed = try EmulatorProcess(["--api-key", "sk_live_right"])
        defer { keyed.stop() }
        XCTAssertEqual(try HTTP.post(keyed.url + "/v2/contacts", #"{"email":"a@x.com"}"#).status, 401)
        let ok = try HTTP.post(
            keyed.url + "/v2/contacts", #"{"email":"a@x.com"}"#,
            headers: ["X-API-Key": "sk_live_right", "Content-Type": "application/json"])
        XCTAssertEqual(ok.status, 200)
    }
}
