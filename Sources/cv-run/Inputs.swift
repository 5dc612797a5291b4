import ArgumentParser
import JSONCodec
import StreamIO
import SyncCore
import ToolRuntime

struct Inputs: ToolCommand {
    static let toolName = "cv-run"
    static let configuration = CommandConfiguration(
        abstract:
            "Split a file to replay or retry into rows (for cv-map) and records (for cv-dedupe): saved rows, saved "
            + "records, or rejects, whose inputs go back to the stage that refused them. Prints the two counts.")

    @Option(name: .long, help: "The file: rows, records or rejects (NDJSON; they may be mixed).")
    var file: String

    @Option(name: .long, help: "Where the rows go.")
    var rows: String

    @Option(name: .long, help: "Where the records go.")
    var records: String

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        var reader = NDJSONReader(lines: try LineReader(path: file))
        let rowSink = try ByteSink(path: rows)
        let recordSink = try ByteSink(path: records)
        var rowBytes = ByteBuffer(capacity: 1 << 16)
        var recordBytes = ByteBuffer(capacity: 1 << 16)
        var counts = (rows: 0, records: 0, lines: 0)
        // A record given up by the retry queue is also in the file as its last load reject.
        var seenRecords = Set<String>()
        while let line = try reader.next() {
            switch line {
            case .blank: continue
            case .overlong(let length): throw InputFileError.line(reader.describe(overlong: length))
            case .invalid(let error): throw InputFileError.line(reader.describe(error))
            case .cut: throw InputFileError.line(reader.cutLine)
            case .object:
                counts.lines += 1
                guard case .object(var object) = reader.tape.value(at: 0) else { continue }
                if let stage = object["stage"]?.stringValue, let input = object["input"] {
                    // A reject: its input goes back where it was refused.
                    guard case .object(var inner) = input else { continue }
                    if stage == "map" {
                        append(.object(inner), to: &rowBytes)
                        counts.rows += 1
                        continue
                    }
                    inner["key"] = nil
                    inner["retried"] = nil
                    object = inner
                }
                if Self.isRecord(object) {
                    let text = JSONValue.object(object).serialized
                    guard seenRecords.insert(text).inserted else { continue }
                    recordBytes.append(contentsOf: Array((text + "\n").utf8))
                    counts.records += 1
                } else {
                    append(.object(object), to: &rowBytes)
                    counts.rows += 1
                }
            }
            try rowSink.maybeFlush(&rowBytes)
            try recordSink.maybeFlush(&recordBytes)
        }
        try rowSink.flush(&rowBytes)
        try recordSink.flush(&recordBytes)
        guard counts.lines > 0 else { throw InputFileError.empty(file) }
        print("\(counts.rows) \(counts.records)")
        return .success
    }

    private func append(_ value: JSONValue, to bytes: inout ByteBuffer) {
        bytes.append(contentsOf: Array((value.serialized + "\n").utf8))
    }

    static func isRecord(_ object: JSONObject) -> Bool {
        guard let type = object["type"]?.stringValue else { return false }
        return type == "contact" || type == "object" || type == "event"
    }
}

/// A file to replay that cannot be read as NDJSON objects (exit 2: the user gave it).
enum InputFileError: ToolError, Equatable {
    case line(String)
    case empty(String)

    var exitStatus: ExitStatus { .usage }

    var message: String {
        switch self {
        case .line(let text): return text + "; a file to replay holds rows, records or rejects, one JSON object a line"
        case .empty(let file): return "'\(file)' holds no rows, records or rejects"
        }
    }
}
