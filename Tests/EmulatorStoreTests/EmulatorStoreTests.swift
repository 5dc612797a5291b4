import ConversionAPI
import EmulatorStore
import Foundation
import JSONCodec
import SQLiteDatabase
import XCTest

/// The store as the HTTP layer calls it: a request body in, the exact answer bytes out.
final class EmulatorStoreTests: StoreTestCase {
    func testBatchAnswersListEveryItemInOrder() throws {
        let store = try EmulatorStore(path: nil, schema: schema())
        let contacts = try answer(
            store, APIContract.contactsBatchPath,
            #"""
            {"contacts": [{"email": "a@x.com", "userId": "u1", "fields": {"lead_score": 1}}, {"email": "not-an-email"},
                          {"userId": "nobody"}, {"email": "A@X.com", "fields": {"vip": true}}]}
            """#)
        XCTAssertEqual(
            contacts,
            #"""
            {"data":{"results":[{"success":true,"cnvContactId":"ID","contactCreated":true},\#
            {"success":false,"error":{"code":"invalid_email","message":"'not-an-email' is not a valid email address"}},\#
            {"success":false,"error":{"code":"contact_not_found","message":"no contact with userId 'nobody'; creating a contact needs an email"}},\#
            {"success":true,"cnvContactId":"ID","contactCreated":false}]}}
            """#)
        let events =
            #"{"events": [{"event": "e", "userId": "u1", "eventId": "x1"}, {"event": "e", "userId": "nobody"}]}"#
        XCTAssertEqual(
            try answer(store, APIContract.eventsBatchPath, events, droppingLast: true),
            #"""
            {"data":{"processed":2,"tracked":1,"failed":1,"results":[{"success":true,"cnvEventId":"ID","cnvContactId":"ID"}]}}
            """#, "a short answer leaves out the last result but still counts it")
        XCTAssertEqual(
            try answer(store, APIContract.contactsPath, #"{"email": "b@x.com"}"#),
            #"{"data":{"cnvContactId":"ID","contactCreated":true}}"#)
        XCTAssertThrowsError(
            try answer(store, APIContract.contactsBatchPath, #"{"contacts": [{"email": "c@x.com", "fields": 3}]}"#)
        ) {
            XCTAssertEqual(($0 as? APIError)?.message, "contacts[0].fields must be an object")
        }
    }

    func testStoredFieldsDropNullsAndKeepTheLastOfTwoNames() throws {
        let store = try EmulatorStore(path: nil, schema: schema())
        _ = try answer(
            store, APIContract.contactsPath, #"{"email": "a@x.com", "fields": {"lead_score": 1, "vip": null}}"#)
        _ = try answer(
            store, APIContract.contactsPath, #"{"email": "b@x.com", "fields": {"lead_score": 1, "lead_score": 2}}"#)
        _ = try answer(
            store, APIContract.contactsPath, #"{"email": "c@x.com", "fields": {"lead_score": 1, "lead_score": null}}"#)
        _ = try answer(
            store, APIContract.contactsPath, #"{"email": "a@x.com", "fields": {"vip": false, "lead_score": null}}"#)
        _ = try answer(
            store, APIContract.contactsPath,
            #"{"email": "a@x.com", "preserveExistingFields": true, "fields": {"vip": true, "lead_score": 5}}"#)
        let fields = try XCTUnwrap(store.contacts().arrayValue).map { $0.objectValue?["fields"] ?? .null }
        XCTAssertEqual(fields.map(\.serialized), [#"{"vip":false,"lead_score":5}"#, #"{"lead_score":2}"#, "{}"])
    }

    /// A store written by the first format (contacts by rowid, events with a separate seq) is
    /// brought up to date in place: the same ids, in the same order, and it takes new items.
    /// Contacts are listed in creation order even where created_at's text order differs
    /// (".01Z" sorts after ".019Z").
    func testAStoreOfTheFirstFormatIsMigratedInOrder() throws {
        let path = folder.appendingPathComponent("store.db").path
        do {
            let old = try Database(path: path)
            try old.execute(
                """
                CREATE TABLE contacts (id TEXT PRIMARY KEY, user_id TEXT UNIQUE, email TEXT, email_key TEXT,
                  subscription TEXT, fields TEXT NOT NULL DEFAULT '{}', company_id TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
                CREATE INDEX contacts_email ON contacts (email_key);
                CREATE TABLE events (id TEXT PRIMARY KEY, event_id TEXT UNIQUE, contact_id TEXT NOT NULL, name TEXT NOT NULL,
                  timestamp TEXT NOT NULL, data TEXT NOT NULL, updates INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL);
                CREATE INDEX events_seq ON events (seq);
                INSERT INTO contacts VALUES ('c-2', 'u2', 'b@x.com', 'b@x.com', NULL, '{}', NULL, '2026-01-01T00:00:00.01Z', '2026-01-01T00:00:00.01Z');
                INSERT INTO contacts VALUES ('c-1', 'u1', 'a@x.com', 'a@x.com', NULL, '{"vip":true}', NULL, '2026-01-01T00:00:00.019Z', '2026-01-01T00:00:00.019Z');
                INSERT INTO events VALUES ('e-b', 'x2', 'c-1', 'later', '2026-01-01T00:00:00Z', '{}', 0, 2);
                INSERT INTO events VALUES ('e-a', 'x1', 'c-2', 'first', '2026-01-01T00:00:00Z', '{}', 1, 1);
                """)
        }
        for opening in 0..<2 {
            let store = try EmulatorStore(path: path, schema: schema())
            let contacts = try XCTUnwrap(store.contacts().arrayValue)
            XCTAssertEqual(contacts.prefix(2).map { $0.objectValue?["cnvContactId"]?.stringValue }, ["c-2", "c-1"])
            XCTAssertEqual(contacts.first?.objectValue?["createdAt"], .string("2026-01-01T00:00:00.01Z"))
            let events = try XCTUnwrap(store.events().arrayValue)
            XCTAssertEqual(events.prefix(2).map { $0.objectValue?["cnvEventId"]?.stringValue }, ["e-a", "e-b"])
            XCTAssertEqual(events.first?.objectValue?["updates"], .number(String(1 + opening)))
            _ = try answer(store, APIContract.contactsPath, #"{"email": "n\#(contacts.count)@x.com"}"#)
            _ = try answer(store, APIContract.eventsPath, #"{"event": "new", "userId": "u1", "eventId": "x1"}"#)
        }
        let store = try EmulatorStore(path: path, schema: schema())
        XCTAssertEqual(try store.contacts().arrayValue?.count, 4)
        XCTAssertEqual(try store.events().arrayValue?.map { $0.objectValue?["eventId"]?.stringValue }, ["x1", "x2"])
    }

    /// A store of the second format (userId unique, its index without the id) is rebuilt so
    /// that a userId or email finds the contact's id in the index; the ids, their order and
    /// the events stay, and a migrated contact is found by its userId and its email.
    func testAStoreOfTheSecondFormatIsMigratedInOrder() throws {
        let path = folder.appendingPathComponent("store.db").path
        do {
            let old = try Database(path: path)
            try old.execute(
                """
                CREATE TABLE contacts (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, user_id TEXT UNIQUE, email TEXT,
                  email_key TEXT, subscription TEXT, fields TEXT NOT NULL DEFAULT '{}', company_id TEXT, created_at TEXT NOT NULL,
                  updated_at TEXT NOT NULL);
                CREATE INDEX contacts_email ON contacts (email_key);
                CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, event_id TEXT UNIQUE,
                  contact_id TEXT NOT NULL, name TEXT NOT NULL, timestamp TEXT NOT NULL, data TEXT NOT NULL, updates INTEGER NOT NULL DEFAULT 0);
                INSERT INTO contacts (id, user_id, email, email_key, created_at, updated_at) VALUES
                  ('c-2', 'u2', 'B@x.com', 'b@x.com', '2026-01-01T00:00:00.01Z', '2026-01-01T00:00:00.01Z'),
                  ('c-1', NULL, 'a@x.com', 'a@x.com', '2026-01-01T00:00:00.019Z', '2026-01-01T00:00:00.019Z');
                INSERT INTO events (id, event_id, contact_id, name, timestamp, data) VALUES
                  ('e-a', 'x1', 'c-2', 'first', '2026-01-01T00:00:00Z', '{}');
                PRAGMA user_version = 2;
                """)
        }
        let store = try EmulatorStore(path: path, schema: schema())
        XCTAssertEqual(
            try store.contacts().arrayValue?.map { $0.objectValue?["cnvContactId"]?.stringValue }, ["c-2", "c-1"])
        XCTAssertEqual(
            try answer(
                store, APIContract.eventsBatchPath,
                #"{"events": [{"event": "e", "userId": "u2", "eventId": "x1"}, {"event": "e", "email": "A@x.com"}]}"#),
            #"""
            {"data":{"processed":2,"tracked":2,"failed":0,"results":[{"success":true,"cnvEventId":"e-a","cnvContactId":"c-2"},\#
            {"success":true,"cnvEventId":"ID","cnvContactId":"c-1"}]}}
            """#)
        let events = try XCTUnwrap(store.events().arrayValue).map { $0.objectValue ?? [:] }
        XCTAssertEqual(events.map { $0["cnvEventId"]?.stringValue }.first, "e-a")
        XCTAssertEqual(events.map { $0["cnvContactId"]?.stringValue }, ["c-2", "c-1"])
        XCTAssertEqual(events.first?["updates"], .number("1"))
        let database = try Database(path: path)
        let indexes = try database.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'contacts'")
        var names: [String] = []
        while try indexes.step() { names.append(indexes.text(0) ?? "") }
        XCTAssertEqual(Set(names), ["contacts_legacy_id", "contacts_user", "contacts_email"])
    }

    /// No index keeps userIds unique any more: a contact addressed by its cnvContactId cannot
    /// take a userId another contact has (it was an internal error, a SQLite constraint).
    func testAUserIdStaysWithOneContact() throws {
        let store = try EmulatorStore(path: nil, schema: schema())
        _ = try answer(
            store, APIContract.contactsBatchPath,
            #"{"contacts": [{"email": "a@x.com", "userId": "u1"}, {"email": "b@x.com", "userId": "u2"}]}"#)
        let second = try XCTUnwrap(store.contacts().arrayValue?.last?.objectValue?["cnvContactId"]?.stringValue)
        XCTAssertEqual(
            try answer(
                store, APIContract.contactsBatchPath,
                #"{"contacts": [{"cnvContactId": "\#(second)", "userId": "u1"}, {"cnvContactId": "\#(second)", "userId": "u2"}]}"#
            ),
            #"""
            {"data":{"results":[{"success":false,"error":{"code":"conflicting_identifier","message":"userId 'u1' belongs to another contact"}},\#
            {"success":true,"cnvContactId":"ID","contactCreated":false}]}}
            """#)
        XCTAssertEqual(try store.contacts().arrayValue?.map { $0.objectValue?["userId"]?.stringValue }, ["u1", "u2"])
    }

    /// Of contacts that share an email, an item with only that email finds the oldest, as it
    /// did when the email index listed contacts in creation order (ids made in the same
    /// millisecond sort at random: twenty pairs made together would each be a coin toss).
    func testAnEmailSharedByContactsFindsTheOldest() throws {
        let store = try EmulatorStore(path: nil, schema: schema())
        let pairs = (0..<20).map { i in
            #"{"email": "s\#(i)@x.com", "userId": "first\#(i)"}, {"email": "t\#(i)@x.com", "userId": "second\#(i)"}"#
        }
        _ = try answer(store, APIContract.contactsBatchPath, #"{"contacts": [\#(pairs.joined(separator: ", "))]}"#)
        // The second of each pair takes the first one's email (found by its userId, so no conflict).
        let moves = (0..<20).map { #"{"email": "S\#($0)@x.com", "userId": "second\#($0)"}"# }
        _ = try answer(store, APIContract.contactsBatchPath, #"{"contacts": [\#(moves.joined(separator: ", "))]}"#)
        let events = (0..<20).map { #"{"event": "e", "email": "s\#($0)@x.com"}"# }.joined(separator: ", ")
        _ = try answer(store, APIContract.eventsBatchPath, #"{"events": [\#(events)]}"#)
        let tracked = try XCTUnwrap(store.events().arrayValue).map { $0.objectValue?["userId"]?.stringValue }
        XCTAssertEqual(tracked, (0..<20).map { "first\($0)" })
    }
}
