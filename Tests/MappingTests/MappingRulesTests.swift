import Hashing
import ConversionAPI
import JSONCodec
import SyncCore
import XCTest

@testable import Mapping
import StreamIO

final class MappingRulesTests: XCTestCase {
    func testSchemaParsingAndErrors() throws {
        let schema = try WorkspaceSchema.parse(
            try JSONValue.parse(
                """
                {"contacts":{"fields":{"plan":"string","seats":"number"}},
                 "objects":{"product":{"fields":{"name":"string"},"relationshipFields":{"role":"string"}}}}
                """), name: "s.json")
        // A schema file adds to Conversion's default fields; it does not replace them.
        XCTAssertEqual(schema.contactFields.keys, WorkspaceSchema.builtIn.contactFields.keys + ["plan", "seats"])
        XCTAssertEqual(schema.objectTypes["product"]?.relationshipFields.type(of: "role"), .string)
        XCTAssertEqual(schema.companyFields, WorkspaceSchema.builtIn.companyFields)
        let retyped = try WorkspaceSchema.parse(
            try JSONValue.parse(#"{"contacts":{"fields":{"city":"number"}}}"#), name: "s.json")
        XCTAssertEqual(retyped.contactFields.type(of: "city"), .number)
        XCTAssertEqual(retyped.contactFields.keys, WorkspaceSchema.builtIn.contactFields.keys)
        let bad: [(String, String)] = [
            ("[]", "schema s.json: expected a JSON object at the top"),
            (
                "{\"contact\":{}}",
                "schema s.json: unknown section 'contact' (expected contacts, companies, objects, events)"
            ),
            (
                "{\"contacts\":{\"fields\":{\"x\":\"text\"}}}",
                "schema s.json: 'contacts.fields.x': type must be one of string, number, boolean, date, datetime, "
                    + "got \"text\""
            ),
            ("{\"objects\":[]}", "schema s.json: 'objects' must be an object of object types"),
            // "field" for "fields" added nothing, silently.
            (
                "{\"contacts\":{\"field\":{\"age\":\"number\"}}}",
                "schema s.json: unknown key 'field' in 'contacts' (expected 'fields')"
            ),
            (
                "{\"objects\":{\"plan\":{\"relationship_fields\":{}}}}",
                "schema s.json: unknown key 'relationship_fields' in 'objects.plan' (expected 'fields' or "
                    + "'relationshipFields')"
            ),
            ("{\"events\":{\"fields\":{}}}", "schema s.json: unknown key 'fields' in 'events' (expected 'properties')"),
            (
                "{\"objects\":{\"../x\":{}}}",
                "schema s.json: object type '../x' must be 1 to 64 letters, digits, '_' or '-'"
            ),
        ]
        for (text, message) in bad {
            XCTAssertThrowsError(try WorkspaceSchema.parse(try JSONValue.parse(text), name: "s.json")) { error in
                XCTAssertEqual((error as? ToolError)?.message, message)
            }
        }
        XCTAssertEqual(
            WorkspaceSchema.builtIn.contactFields.keys,
            ["first_name", "last_name", "job_title", "phone_number", "city", "country", "timezone"])
    }

    func testUnknownObjectTypeFailsBeforeReading() {
        XCTAssertThrowsError(
            try MapConfiguration(destination: .objects(type: "x"), schema: .builtIn, schemaName: "<built-in>")
        ) { error in
            XCTAssertEqual((error as? ToolError)?.message, "object type 'x' not found in schema <built-in>")
            XCTAssertEqual((error as? ToolError)?.exitStatus, .usage)
        }
    }

    func testEpochRule() {
        func epoch(_ s: String) -> (Int64, Int)? { Timestamp.epoch(Array(s.utf8).span) }
        XCTAssertEqual(epoch("1700000000")?.0, 1_700_000_000)
        XCTAssertEqual(epoch("99999999999")?.0, 99_999_999_999, "below the threshold: seconds")
        XCTAssertEqual(epoch("100000000000")?.0, 100_000_000, "at the threshold: milliseconds")
        XCTAssertEqual(epoch("1700000000123")!.1, 123_000_000)
        XCTAssertEqual(epoch("1.5")!.1, 500_000_000)
        XCTAssertEqual(epoch("-1.5")!.0, -2)
        XCTAssertEqual(epoch("-1.5")!.1, 500_000_000)
        XCTAssertNil(epoch("1e9"))
        XCTAssertNil(epoch("12345678901234567890"))
    }

    func testEmailSyntax() {
        for good in ["a@x.com", "first.last+tag@sub.example.co.uk", "zoë@exämple.de", "x@a-b.io"] {
            XCTAssertTrue(EmailSyntax.isValid(good), good)
        }
        for bad in [
            "", "a", "a@", "@x.com", "a@x", "a@@x.com", "a b@x.com", "a@x..com", ".a@x.com", "a@-x.com", "<a@x.com>",
            "a@x.com,b@x.com",
        ] {
            XCTAssertFalse(EmailSyntax.isValid(bad), bad)
        }
    }

    func testSuggestions() {
        XCTAssertEqual(NameSuggestion.suggest(for: "Email", among: ["email", "userId"]), "email")
        XCTAssertEqual(NameSuggestion.suggest(for: "frist_name", among: ["first_name", "last_name"]), "first_name")
        XCTAssertNil(NameSuggestion.suggest(for: "whatever", among: ["email", "userId"]))
    }

    func testRowsEqualRecordsPlusRejectsOnRandomRows() throws {
        // Seeded: a failing row repeats on the next run.
        var rng = SplitMix64(seed: 0xC0FFEE)
        let values: [String] = [
            "null", "1", "\"a@x.com\"", "\"bad\"", "true", "{}", "\"2024-01-02\"", "1700000000", "[1]", "\"\"",
        ]
        let columns = ["userId", "email", "first_name", "event_name", "timestamp", "id", "relationshipFields", "x"]
        var lines: [String] = []
        for _ in 0..<2_000 {
            let members = columns.filter { _ in Bool.random(using: &rng) }.map {
                "\"\($0)\":\(values.randomElement(using: &rng)!)"
            }
            lines.append(
                Int.random(in: 0..<50, using: &rng) == 0 ? "{broken" : "{" + members.joined(separator: ",") + "}")
        }
        let path = NSTemporaryDirectory() + "map-random-\(UUID().uuidString).ndjson"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        for destination in [Destination.contacts, .events] {
            let configuration = try MapConfiguration(
                destination: destination, schema: .builtIn, schemaName: "<built-in>", inputPath: path)
            let devnull = ByteSink(fd: open("/dev/null", O_WRONLY), name: "/dev/null")
            let stats = try Mapper.run(
                configuration, output: devnull, diagnostics: Diagnostics(tool: "cv-map") { _ in })
            close(devnull.fd)
            XCTAssertEqual(stats.rows, 2_000)
            XCTAssertEqual(stats.rows, stats.records + stats.rejected)
        }
    }
}
