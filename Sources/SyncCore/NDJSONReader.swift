import JSONCodec

/// One line of an NDJSON stream, classified.
public enum NDJSONLine {
    /// A JSON object; its structure is in the reader's `tape`, its text in `raw`.
    case object(raw: UnsafeBufferPointer<UInt8>)
    /// An empty or whitespace-only line.
    case blank
    /// Not a JSON object: the syntax error, or nil when the line is valid JSON of another type.
    case invalid(JSONSyntaxError?, raw: UnsafeBufferPointer<UInt8>)
}

/// Reads NDJSON objects one line at a time into a reused tape.
public struct NDJSONReader: ~Copyable {
    public var lines: LineReader
    public var tape = JSONTape()
    public let parser: JSONParser

    public init(lines: consuming LineReader, maxDepth: Int = 256) {
        self.lines = lines
        self.parser = JSONParser(maxDepth: maxDepth)
    }

    public var sourceName: String { lines.sourceName }
    /// 1-based line number of the line last returned.
    public var lineNumber: Int { lines.lineNumber }

    /// The next line, or nil at end of input. After `.object`, `tape` holds the object (index 0).
    public mutating func next() throws(InputError) -> NDJSONLine? {
        guard let line = try lines.next() else { return nil }
        if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return .blank }
        do {
            try parser.parse(line, into: &tape)
        } catch {
            return .invalid(error, raw: line)
        }
        return tape[0].kind == .object ? .object(raw: line) : .invalid(nil, raw: line)
    }

    /// The message for an invalid line, in the `source:line: …` form.
    public func describe(_ error: JSONSyntaxError?) -> String {
        let what = error.map { "invalid JSON: \($0)" } ?? "expected a JSON object, got \(tape.value(at: 0).typeDescription)"
        return "\(sourceName):\(lineNumber): \(what)"
    }
}
