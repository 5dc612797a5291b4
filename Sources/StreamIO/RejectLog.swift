import JSONCodec
import SyncCore

/// One row or record that will not reach Conversion, with what is needed to fix and replay it
/// (DESIGN.md §2). `input` is the original line or record, as JSON bytes.
public struct Reject: Sendable {
    public var stage: Stage
    public var row: Int?
    public var code: RejectCode
    public var message: String
    public var retryable: Bool
    public var extra: JSONObject = [:]

    /// `retryable` defaults to the code's own answer (`RejectCode.isRetryable`); the loader
    /// passes its own when the same code was final for this record (attempts used up).
    public init(stage: Stage, row: Int?, code: RejectCode, message: String, retryable: Bool? = nil) {
        self.stage = stage
        self.row = row
        self.code = code
        self.message = message
        self.retryable = retryable ?? code.isRetryable
    }
}

/// Appends rejects to `--rejects FILE` (when given), echoes the first `echoLimit` on stderr and
/// counts them by code, so a summary can say what went wrong without flooding the terminal.
public final class RejectLog {
    private let sink: ByteSink?
    private let diagnostics: Diagnostics
    private let location: String
    public let echoLimit: Int
    private var writer = JSONWriter(capacity: 1 << 16)
    public private(set) var total = 0
    public private(set) var byCode: [String: Int] = [:]

    /// `location` names the input in stderr lines (`<stdin>`, a file name).
    public init(path: String?, diagnostics: Diagnostics, location: String, echoLimit: Int = 20) throws(OutputError) {
        sink = try path.map { p throws(OutputError) in try ByteSink(path: p, append: true) }
        self.diagnostics = diagnostics
        self.location = location
        self.echoLimit = echoLimit
    }

    /// Records a reject whose input is `input` (JSON text of an object, or nil when the input
    /// was not JSON, in which case `rawInput` is kept as a string).
    public func add(_ reject: Reject, input: Span<UInt8>?, rawInput: Span<UInt8>? = nil) throws(OutputError) {
        total += 1
        byCode[reject.code.rawValue, default: 0] += 1
        if total <= echoLimit {
            let at = reject.row.map { "\(location):\($0): " } ?? ""
            diagnostics.error("\(at)\(reject.code): \(reject.message)")
        } else if total == echoLimit + 1 {
            diagnostics.note(
                "more rejects follow; only their count is shown here"
                    + (sink == nil ? "" : ", all are in the rejects file"))
        }
        guard let sink else { return }
        writer.writeRaw("{\"stage\":")
        writer.writeString(reject.stage.rawValue)
        if let row = reject.row {
            writer.writeRaw(",\"row\":")
            writer.writeInteger(row)
        }
        writer.writeRaw(",\"code\":")
        writer.writeString(reject.code.rawValue)
        writer.writeRaw(",\"message\":")
        writer.writeString(reject.message)
        writer.writeRaw(reject.retryable ? ",\"retryable\":true" : ",\"retryable\":false")
        for member in reject.extra.members {
            writer.writeByte(UInt8(ascii: ","))
            writer.writeString(member.key)
            writer.writeByte(UInt8(ascii: ":"))
            writer.writeValue(member.value)
        }
        writer.writeRaw(",\"input\":")
        if let input {
            writer.writeRaw(input)
        } else if let rawInput {
            writer.writeString(String(decodingUTF8: rawInput))
            // Invalid UTF-8 cannot live in a JSON string: keep the exact bytes too.
            if !rawInput.isValidUTF8 {
                writer.writeRaw(",\"inputBase64\":\"")
                Base64.encode(rawInput, into: &writer.bytes)
                writer.writeByte(0x22)
            }
        } else {
            writer.writeRaw("null")
        }
        writer.writeRaw("}\n")
        try sink.maybeFlush(&writer.bytes)
    }

    public func add(_ reject: Reject, inputValue: JSONValue) throws(OutputError) {
        var w = JSONWriter(capacity: 256)
        w.writeValue(inputValue)
        try add(reject, input: w.bytes.span)
    }

    public func flush() throws(OutputError) {
        try sink?.flush(&writer.bytes)
    }

    /// `{"code":count,…}` sorted by code, for stats files.
    public var countsJSON: JSONValue {
        .object(JSONObject(byCode.sorted { $0.key < $1.key }.map { ($0.key, .number(String($0.value))) }))
    }
}
