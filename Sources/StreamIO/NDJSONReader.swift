import JSONCodec
import SyncCore

/// One line of an NDJSON stream, classified; its bytes are the reader's `line`.
public enum NDJSONLine {
    /// A JSON object; its structure is in the reader's `tape`.
    case object
    /// An empty or whitespace-only line.
    case blank
    /// Not a JSON object: the syntax error, or nil when the line is valid JSON of another type.
    case invalid(JSONSyntaxError?)
    /// A line longer than the reader's limit (its length), read past: reject it alone.
    case overlong(Int)
    /// The input ended in the middle of a line (no newline, not JSON): its writer was stopped,
    /// as a cancelled run stops every stage. Not a row or a record, so not a reject either:
    /// what it would have been is read again by the next run.
    case cut
}

/// Reads NDJSON objects one line at a time into a reused tape.
public struct NDJSONReader: ~Copyable {
    public var lines: LineReader
    public var tape = JSONTape()
    public let parser: JSONParser
    /// The bytes of the line last returned, inside the line reader's buffer.
    private var current = UnsafeBufferPointer<UInt8>(start: nil, count: 0)

    public init(lines: consuming LineReader, maxDepth: Int = 256) {
        self.lines = lines
        self.parser = JSONParser(maxDepth: maxDepth)
    }

    public var sourceName: String { lines.sourceName }
    /// 1-based line number of the line last returned.
    public var lineNumber: Int { lines.lineNumber }

    /// The bytes of the line last returned, without its newline. The compiler keeps this view
    /// from living past the next call to `next()`, which reuses the memory.
    public var line: Span<UInt8> {
        @_lifetime(borrow self)
        borrowing get { _overrideLifetime(Span(_unsafeElements: current), borrowing: self) }
    }

    /// The next line, or nil at end of input. After `.object`, `tape` holds the object (index 0).
    public mutating func next() throws(InputError) -> NDJSONLine? {
        guard let line = try lines.next() else { return nil }
        current = line
        if let length = lines.overlongLength { return .overlong(length) }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return .blank }
        do {
            try parser.parse(line, into: &tape)
        } catch {
            return lines.lastLineUnterminated ? .cut : .invalid(error)
        }
        return tape[0].kind == .object ? .object : .invalid(nil)
    }

    /// The warning for a line cut off at the end of the input.
    public var cutLine: String {
        "\(sourceName):\(lineNumber): the input ended in the middle of a line (its writer was stopped); it is "
            + "neither a row nor a record, and not a reject"
    }

    /// The message for an over-long line, in the `source:line: …` form.
    public func describe(overlong length: Int) -> String {
        "\(sourceName):\(lineNumber): a line of \(length) bytes, longer than the limit of \(lines.maxLineLength) "
            + "bytes; rejected alone"
    }

    /// The reject of an over-long line at `stage`; its input is not repeated.
    public func overlongReject(_ length: Int, stage: Stage) -> Reject {
        Reject(stage: stage, row: lineNumber, code: .lineTooLong, message: describe(overlong: length))
    }

    /// The message for an invalid line, in the `source:line: …` form.
    public func describe(_ error: JSONSyntaxError?) -> String {
        let what =
            error.map { "invalid JSON: \($0)" } ?? "expected a JSON object, got \(tape.value(at: 0).typeDescription)"
        return "\(sourceName):\(lineNumber): \(what)"
    }
}
