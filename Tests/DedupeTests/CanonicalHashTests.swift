import Hashing
import JSONCodec
import SyncCore
import XCTest

@testable import Dedupe

/// A contact's content hash is kept in the state across versions: the hash taken from the parsed
/// tape (cv-dedupe's fast path) must equal the one of the canonical tree form for every shape of
/// record, and must not change, or every contact looks changed after an upgrade.
final class CanonicalHashTests: XCTestCase {
    /// Names that share their first eight bytes, a prefix of another, escapes and non-ASCII.
    static let names = [
        "city", "email", "fields", "userId", "first_name", "last_name", "custom_field_1", "custom_field_10",
        "custom_field_2", "a", "ab", "abcdefgh", "abcdefghi", "Zeta", "é", "\\u00e9x", "a\\\"q", "type", "row",
        "key", "mergedRows",
    ]

    func testTapeHashEqualsTheTreeHashForRecordsOfManyShapes() throws {
        var random = SplitMix64(seed: 29)
        var hasher = CanonicalHasher()
        let skip = PartitionProcessor.contactBookkeeping
        for round in 0..<4000 {
            let text = Self.object(&random, depth: 0, members: round % 3 == 0 ? 20 : 9)
            var tape = JSONTape()
            try JSONParser().parse(Array(text.utf8).span, into: &tape)
            guard case .object(var tree) = try JSONValue.parse(text) else { return XCTFail(text) }
            tree.members.removeAll { skip.contains($0.key) }
            let fromTape = hasher.hash(tape, at: 0, skipping: PartitionProcessor.contactBookkeepingBytes)
            XCTAssertEqual(fromTape, CanonicalJSON.hash(.object(tree)), text)
        }
    }

    /// The value the state of every earlier version holds for this contact.
    func testAContactsContentHashIsPinned() throws {
        let line =
            #"{"type":"contact","userId":"42","email":"a@x.com","fields":{"last_name":"Lee","city":"Austin","score":1.50,"tags":["b","a"]},"row":7}"#
        var tape = JSONTape()
        try JSONParser().parse(Array(line.utf8).span, into: &tape)
        var hasher = CanonicalHasher()
        let hash = hasher.hash(tape, at: 0, skipping: PartitionProcessor.contactBookkeepingBytes)
        XCTAssertEqual(hash.hex, "1c66ad7f321c9e05dc5591d82aafa17e")
    }

    static func object(_ random: inout SplitMix64, depth: Int, members: Int) -> String {
        let count = Int(random.next() % UInt64(members + 1))
        let parts = (0..<count).map { _ in
            "\"" + names[Int(random.next() % UInt64(names.count))] + "\":" + value(&random, depth: depth + 1)
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    static func value(_ random: inout SplitMix64, depth: Int) -> String {
        switch random.next() % (depth > 2 ? 5 : 7) {
        case 0:
            return ["\"Austin\"", "\"caf\\u00e9\"", "\"a\\/b\"", "\"\"", "\"line\\nbreak\""][Int(random.next() % 5)]
        case 1: return ["0", "-0", "1.50", "1e2", "12345678901234567890", "-3.25E-1", "7"][Int(random.next() % 7)]
        case 2: return ["true", "false"][Int(random.next() % 2)]
        case 3: return "null"
        case 4: return "\"" + String(random.next() % 1000) + "\""
        case 5:
            return "["
                + (0..<Int(random.next() % 4)).map { _ in value(&random, depth: depth + 1) }.joined(separator: ",")
                + "]"
        default: return object(&random, depth: depth, members: 18)
        }
    }
}
