import ConversionAPI
import Foundation
import JSONCodec
import SyncCore
import XCTest

@testable import EmulatorStore

/// The filter that lets a new contact skip the SQLite lookups for identifiers no contact has:
/// it may say "maybe" for a stranger, never "no" for an identifier a contact holds, through
/// rebuilds, reopening and reset.
final class IdentifierFilterTests: StoreTestCase {
    func testTheFilterHoldsWhatWasAddedAndKeepsUserIdsApartFromEmails() {
        var filter = IdentifierFilter(capacity: 20_000)
        let users = (0..<10_000).map { "u\($0)" }
        let emails = (0..<10_000).map { "user\($0)@example.com" }
        for u in users { filter.add(userId: u) }
        for e in emails { filter.add(emailKey: e) }
        XCTAssertTrue(users.allSatisfy { filter.mayHold(userId: $0) })
        XCTAssertTrue(emails.allSatisfy { filter.mayHold(emailKey: $0) })
        // The same texts asked as the other kind are strangers: about 1% may say "maybe".
        let crossed =
            users.filter { filter.mayHold(emailKey: $0) }.count + emails.filter { filter.mayHold(userId: $0) }.count
        XCTAssertLessThan(crossed, 400, "\(crossed) of 20000 strangers said maybe")
        XCTAssertEqual(filter.layerCount, 1)
        // Layers of a hundred: the ten after the first hold the rest, and every one is asked.
        var layered = IdentifierFilter(capacity: 0, layerLimit: 100)
        for u in users.prefix(1000) { layered.add(userId: u) }
        XCTAssertEqual(layered.layerCount, 10)
        XCTAssertTrue(users.prefix(1000).allSatisfy { layered.mayHold(userId: $0) })
    }

    /// A filter whose layers take eight identifiers each: contacts made, moved to other emails
    /// and tracked across a dozen layers are found by their userId and their new email, and
    /// their old emails find no one.
    func testContactsAreFoundAcrossLayers() throws {
        let store = try EmulatorStore(path: nil, schema: schema(), identifierLayerLimit: 8)
        for batch in 0..<4 {
            let items = (0..<10).map { i in #"{"email": "a\#(batch * 10 + i)@x.com", "userId": "u\#(batch * 10 + i)"}"#
            }
            _ = try answer(store, APIContract.contactsBatchPath, #"{"contacts": [\#(items.joined(separator: ", "))]}"#)
        }
        let moves = (0..<40).filter { $0 % 3 == 0 }.map { #"{"email": "B\#($0)@x.com", "userId": "u\#($0)"}"# }
        let moved = try answer(
            store, APIContract.contactsBatchPath, #"{"contacts": [\#(moves.joined(separator: ", "))]}"#)
        XCTAssertFalse(moved.contains("\"contactCreated\":true"), moved)
        let byUser = (0..<40).map { #"{"event": "e", "userId": "u\#($0)"}"# }
        let byEmail = (0..<40).map { #"{"event": "e", "email": "\#($0 % 3 == 0 ? "b" : "a")\#($0)@x.com"}"# }
        let stale = (0..<40).filter { $0 % 3 == 0 }.map { #"{"event": "e", "email": "a\#($0)@x.com"}"# }
        let tracked = try answer(
            store, APIContract.eventsBatchPath, #"{"events": [\#((byUser + byEmail + stale).joined(separator: ", "))]}"#
        )
        XCTAssertTrue(tracked.hasPrefix(#"{"data":{"processed":94,"tracked":80,"failed":14,"#), tracked)
        let users = try XCTUnwrap(store.events().arrayValue).map { $0.objectValue?["userId"]?.stringValue }
        XCTAssertEqual(users, (0..<80).map { "u\($0 % 40)" })
        XCTAssertEqual(try store.contacts().arrayValue?.count, 40)
    }

    /// A store opened again builds its filter from its rows.
    func testAReopenedStoreFindsItsContacts() throws {
        let path = folder.appendingPathComponent("store.db").path
        do {
            let store = try EmulatorStore(path: path, schema: schema())
            _ = try answer(
                store, APIContract.contactsBatchPath,
                #"{"contacts": [{"email": "a@x.com", "userId": "u1"}, {"email": "b@x.com"}]}"#)
        }
        let store = try EmulatorStore(path: path, schema: schema())
        XCTAssertEqual(
            try answer(
                store, APIContract.contactsBatchPath,
                #"{"contacts": [{"userId": "u1", "fields": {"vip": true}}, {"email": "B@x.com"}]}"#),
            #"""
            {"data":{"results":[{"success":true,"cnvContactId":"ID","contactCreated":false},\#
            {"success":true,"cnvContactId":"ID","contactCreated":false}]}}
            """#)
    }

    /// Two stores on one file: what one makes, the other finds (its filter is read again when
    /// the file changed under it).
    func testAStoreFindsContactsAnotherStoreOnTheFileMade() throws {
        let path = folder.appendingPathComponent("store.db").path
        let first = try EmulatorStore(path: path, schema: schema())
        let second = try EmulatorStore(path: path, schema: schema())
        _ = try answer(first, APIContract.contactsPath, #"{"email": "a@x.com"}"#)
        _ = try answer(second, APIContract.contactsPath, #"{"email": "b@x.com", "userId": "u2"}"#)
        _ = try answer(first, APIContract.contactsPath, #"{"email": "c@x.com", "userId": "u3"}"#)
        XCTAssertEqual(
            try answer(
                second, APIContract.contactsBatchPath,
                #"{"contacts": [{"userId": "u3", "fields": {"vip": true}}, {"email": "A@x.com", "userId": "u1"}]}"#),
            #"""
            {"data":{"results":[{"success":true,"cnvContactId":"ID","contactCreated":false},\#
            {"success":true,"cnvContactId":"ID","contactCreated":false}]}}
            """#)
        XCTAssertEqual(
            try first.contacts().arrayValue?.map { $0.objectValue?["userId"]?.stringValue }, ["u1", "u2", "u3"])
    }

    /// Reset empties the filter with the rows, and contacts made afterwards are found again.
    func testAResetStoreForgetsItsContactsAndFindsNewOnes() throws {
        let store = try EmulatorStore(path: nil, schema: schema())
        let make = #"{"contacts": [{"email": "a@x.com", "userId": "u1"}]}"#
        let track = #"{"events": [{"event": "e", "userId": "u1"}, {"event": "e", "email": "a@x.com"}]}"#
        _ = try answer(store, APIContract.contactsBatchPath, make)
        try store.reset()
        XCTAssertTrue(
            try answer(store, APIContract.eventsBatchPath, track).hasPrefix(#"{"data":{"processed":2,"tracked":0,"#))
        XCTAssertTrue(try answer(store, APIContract.contactsBatchPath, make).contains("\"contactCreated\":true"))
        XCTAssertTrue(
            try answer(store, APIContract.eventsBatchPath, track).hasPrefix(#"{"data":{"processed":2,"tracked":2,"#))
    }
}
