import ConversionAPI
import EmulatorStore
import Foundation
import JSONCodec
import XCTest

/// The store as the HTTP layer calls it: a request body in, the exact answer bytes out.
extension XCTestCase {
    func schema() throws -> WorkspaceSchema {
        try WorkspaceSchema.parse(
            JSONValue.parse(#"{"contacts": {"fields": {"lead_score": "number", "vip": "boolean"}}}"#), name: "test")
    }

    /// The answer to `body` at `path`, with every generated id replaced by "ID".
    func answer(_ store: EmulatorStore, _ path: String, _ body: String, droppingLast: Bool = false) throws
        -> String
    {
        var bytes = Array(body.utf8)
        let outcome = try bytes.withUnsafeMutableBufferPointer { buffer in
            var tape = JSONTape()
            try JSONParser().parse(UnsafeBufferPointer(buffer), into: &tape)
            return try store.handle(method: "POST", path: path, body: tape) { _ in (200, nil) }
        }
        return Self.withoutIDs(String(decoding: outcome.body(droppingLastResult: droppingLast), as: UTF8.self))
    }

    private static func withoutIDs(_ text: String) -> String {
        text.replacingOccurrences(
            of: "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", with: "ID", options: .regularExpression)
    }
}

/// A test case with a fresh folder for store files, removed afterwards.
class StoreTestCase: XCTestCase {
    private(set) var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("emulator-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }
}
