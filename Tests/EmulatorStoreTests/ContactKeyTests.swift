import ConversionAPI
import Foundation
import SQLiteDatabase
import XCTest

@testable import EmulatorStore

/// A contact's key is the first 64 bits of its id, so the id needs no index: ids are found by
/// their key, ids made before (format 3 and earlier) through an index of their own, and keys
/// stay in creation order within a millisecond and across processes sharing a file.
final class ContactKeyTests: StoreTestCase {
    private func ids(_ store: EmulatorStore) throws -> [String] {
        try XCTUnwrap(store.contacts().arrayValue).compactMap { $0.objectValue?["cnvContactId"]?.stringValue }
    }

    /// A thousand contacts in one request (a few milliseconds): keys and ids rise with each, the
    /// listing is in creation order, and each is found again by its cnvContactId.
    func testContactsMadeTogetherAreFoundByTheirIds() throws {
        let store = try EmulatorStore(path: nil, schema: schema())
        let items = (0..<1000).map { #"{"email": "c\#($0)@x.com"}"# }.joined(separator: ", ")
        _ = try answer(store, APIContract.contactsBatchPath, #"{"contacts": [\#(items)]}"#)
        let made = try ids(store)
        XCTAssertEqual(made.count, 1000)
        XCTAssertEqual(made, made.sorted(), "ids rise in creation order")
        XCTAssertEqual(Set(made).count, 1000)
        let updates = made.enumerated().map { #"{"cnvContactId": "\#($1)", "userId": "u\#($0)"}"# }
        let updated = try answer(
            store, APIContract.contactsBatchPath, #"{"contacts": [\#(updates.joined(separator: ", "))]}"#)
        XCTAssertFalse(updated.contains("\"success\":false"), updated)
        let users = try XCTUnwrap(store.contacts().arrayValue).map { $0.objectValue?["userId"]?.stringValue }
        XCTAssertEqual(users, (0..<1000).map { "u\($0)" })
        // The right shape with another key, a key that is taken with other random bits, and no shape at all.
        let taken = made[0].prefix(24) + (made[0].hasSuffix("000000000000") ? "111111111111" : "000000000000")
        let strangers = ["01890000-0000-7000-8000-000000000000", String(taken), "c-1"]
        let asked = strangers.map { #"{"cnvContactId": "\#($0)", "userId": "z"}"# }.joined(separator: ", ")
        let refused = try answer(store, APIContract.contactsBatchPath, #"{"contacts": [\#(asked)]}"#)
        XCTAssertEqual(refused.components(separatedBy: "\"contact_not_found\"").count - 1, 3, refused)
    }

    /// A format-3 store: its contacts keep their ids, in order, and are found by them; new
    /// contacts come after them and are found by theirs; events list both contacts' userIds.
    func testAStoreOfTheThirdFormatIsMigratedInOrder() throws {
        let path = folder.appendingPathComponent("store.db").path
        let oldIds = ["0189a1b2-c3d4-7e5f-8a6b-7c8d9e0f1a2b", "0189a1b2-c3d4-7000-8000-000000000001"]
        do {
            let old = try Database(path: path)
            try old.execute(
                """
                CREATE TABLE contacts (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, user_id TEXT,
                  email TEXT, email_key TEXT, subscription TEXT, fields TEXT NOT NULL DEFAULT '{}', company_id TEXT,
                  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
                CREATE INDEX contacts_user ON contacts (user_id, id);
                CREATE INDEX contacts_email ON contacts (email_key);
                CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, event_id TEXT UNIQUE,
                  contact_id TEXT NOT NULL, name TEXT NOT NULL, timestamp TEXT NOT NULL, data TEXT NOT NULL, updates INTEGER NOT NULL DEFAULT 0);
                INSERT INTO contacts (id, user_id, email, email_key, created_at, updated_at) VALUES
                  ('\(oldIds[0])', 'u1', 'a@x.com', 'a@x.com', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z'),
                  ('\(oldIds[1])', 'u2', 'b@x.com', 'b@x.com', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
                INSERT INTO events (id, event_id, contact_id, name, timestamp, data) VALUES
                  ('e-a', 'x1', '\(oldIds[1])', 'first', '2026-01-01T00:00:00Z', '{}');
                PRAGMA user_version = 3;
                """)
        }
        let store = try EmulatorStore(path: path, schema: schema())
        XCTAssertEqual(try ids(store), oldIds)
        let answers = try answer(
            store, APIContract.contactsBatchPath,
            #"""
            {"contacts": [{"cnvContactId": "\#(oldIds[1])", "fields": {"vip": true}}, {"email": "c@x.com", "userId": "u3"},
                          {"cnvContactId": "\#(oldIds[0])", "userId": "u2"}]}
            """#)
        XCTAssertEqual(
            answers,
            #"""
            {"data":{"results":[{"success":true,"cnvContactId":"ID","contactCreated":false},\#
            {"success":true,"cnvContactId":"ID","contactCreated":true},\#
            {"success":false,"error":{"code":"conflicting_identifier","message":"userId 'u2' belongs to another contact"}}]}}
            """#)
        let all = try ids(store)
        XCTAssertEqual(all.prefix(2), oldIds[...])
        XCTAssertEqual(
            try answer(
                store, APIContract.contactsPath, #"{"cnvContactId": "\#(all[2])", "fields": {"lead_score": 3}}"#),
            #"{"data":{"cnvContactId":"ID","contactCreated":false}}"#)
        _ = try answer(store, APIContract.eventsPath, #"{"event": "e", "userId": "u3"}"#)
        let events = try XCTUnwrap(store.events().arrayValue).map { $0.objectValue?["userId"]?.stringValue }
        XCTAssertEqual(events, ["u2", "u3"])
    }

    /// Two stores open on one file (two emulators, or one restarted while the other runs) take
    /// turns making contacts, fifty at a time, often within one millisecond: each transaction
    /// starts above the file's highest key, so no key is taken twice and creation order holds.
    func testTwoStoresOnOneFileMakeDistinctKeys() throws {
        let path = folder.appendingPathComponent("store.db").path
        let first = try EmulatorStore(path: path, schema: schema())
        let second = try EmulatorStore(path: path, schema: schema())
        for round in 0..<10 {
            for (n, store) in [first, second].enumerated() {
                let items = (0..<50).map { #"{"email": "r\#(round)s\#(n)c\#($0)@x.com"}"# }.joined(separator: ", ")
                let answer = try answer(store, APIContract.contactsBatchPath, #"{"contacts": [\#(items)]}"#)
                XCTAssertFalse(answer.contains("\"success\":false"), answer)
            }
        }
        let made = try XCTUnwrap(first.contacts().arrayValue).map { $0.objectValue ?? [:] }
        XCTAssertEqual(made.count, 1000)
        let ids = made.compactMap { $0["cnvContactId"]?.stringValue }
        XCTAssertEqual(ids, ids.sorted())
        let emails = made.compactMap { $0["email"]?.stringValue }
        XCTAssertEqual(
            emails, (0..<10).flatMap { r in (0..<2).flatMap { n in (0..<50).map { "r\(r)s\(n)c\($0)@x.com" } } })
    }
}
