import Dedupe
import Foundation
import JSONCodec
import SyncCore
import XCTest
import StreamIO

/// Runs cv-dedupe's library entry points in-process against a state file in a temp folder.
final class DedupeHarness {
    let dir: String
    var state: String { dir + "/state.db" }
    /// Where every run's rejects go.
    var rejects: String { dir + "/rejects.ndjson" }

    init() throws {
        dir = NSTemporaryDirectory() + "dedupe-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: dir) }

    /// Filters `records` (JSON lines) as run `run`; returns the output records by key and the stats.
    func filter(
        _ records: [String], run: String, changedOnly: Bool = true, memory: Int = 16 << 20, retryQueue: Bool = false
    ) throws -> (
        out: [String: JSONObject], stats: DedupeStats
    ) {
        let input = dir + "/\(run).in.ndjson"
        try (records.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let outPath = dir + "/\(run).out.ndjson"
        let sink = try ByteSink(path: outPath)
        var configuration = try DedupeConfiguration(
            statePath: state, run: run, changedOnly: changedOnly, inputPath: input, rejectsPath: rejects,
            partitionBudget: memory)
        configuration.retryQueue = retryQueue
        let stats = try DedupeRun.run(configuration, output: sink, diagnostics: Diagnostics(tool: "cv-dedupe") { _ in })
        XCTAssertTrue(stats.balances, "\(stats)")
        var out: [String: JSONObject] = [:]
        for line in try String(contentsOfFile: outPath, encoding: .utf8).split(separator: "\n") {
            let object = try JSONValue.parse(String(line)).objectValue!
            out[object["key"]?.stringValue ?? "no-key-\(out.count)"] = object
        }
        return (out, stats)
    }

    /// Acks every key of `keys` for `run` and commits.
    @discardableResult
    func commit(
        run: String, keys: [String], relationshipKeys: [String: [String]] = [:],
        partitionKeys: Int = DedupeState.commitPartitionKeys
    ) throws -> CommitResult {
        let acks = dir + "/\(run).acks.ndjson"
        let lines = keys.map { key -> String in
            var ack: JSONObject = ["key": .string(key), "status": .string("updated")]
            if let rels = relationshipKeys[key] { ack["relationshipKeys"] = .array(rels.map(JSONValue.string)) }
            return JSONValue.object(ack).serialized
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: acks, atomically: true, encoding: .utf8)
        var options = CommitOptions(acksPath: acks)
        options.partitionKeys = partitionKeys
        return try DedupeState(path: state).commit(run: run, options)
    }
}
