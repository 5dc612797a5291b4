import Hashing
import JSONCodec
import SyncCore
import StreamIO

/// Phase one of a run: every record (queued ones first, then the input) is identified and
/// spilled to its partition. An event without an eventId is keyed by its canonical content, so
/// a delivered one is not sent again when the same rows are read again, and a fresh copy
/// supersedes a queued one (docs/delivery.md, "Events without an eventId").
final class Intake {
    let configuration: DedupeConfiguration
    let spill: SpillWriter
    let rejects: RejectLog
    let diagnostics: Diagnostics
    /// The state's filter of acknowledged keys: a record whose key it may hold is likely sent
    /// already, and is spilled without its line (`SpillWriter.appendExternal`).
    let bloom: BloomFilter
    private var hasher = CanonicalHasher()
    /// Scratch for a line that gets a derived eventId.
    private var rewritten = JSONWriter(capacity: 1024)

    init(_ configuration: DedupeConfiguration, work: String, bloom: BloomFilter, diagnostics: Diagnostics) throws {
        self.configuration = configuration
        self.bloom = bloom
        self.diagnostics = diagnostics
        spill = try SpillWriter(directory: work, level: 0)
        rejects = try RejectLog(
            path: configuration.rejectsPath, diagnostics: diagnostics, location: configuration.inputPath ?? "<stdin>")
    }

    /// A record from the retry queue: sequence 0, so a fresh record with its key supersedes it.
    func takeQueued(_ text: String, output: inout PartitionProcessor.Output, stats: inout DedupeStats) throws {
        stats.retried += 1
        let bytes = Array(text.utf8)
        var tape = JSONTape()
        guard (try? JSONParser().parse(bytes.span, into: &tape)) != nil, tape[0].kind == .object else {
            try rejects.add(
                Reject(
                    stage: .dedupe, row: nil, code: .invalidRecord, message: "a queued record is not a JSON object"),
                input: nil, rawInput: bytes.span)
            return
        }
        try take(tape, raw: bytes.span, sequence: RetryQueue.sequence, row: nil, output: &output, stats: &stats)
    }

    func takeInput(output: inout PartitionProcessor.Output, stats: inout DedupeStats) throws {
        var reader = NDJSONReader(lines: try LineReader(path: configuration.inputPath))
        while let line = try reader.next() {
            switch line {
            case .blank:
                stats.blankLines += 1
            case .cut:
                diagnostics.warning(reader.cutLine)
            case .overlong(let length):
                stats.recordsIn += 1
                try rejects.add(reader.overlongReject(length, stage: .dedupe), input: nil)
            case .invalid(let error):
                stats.recordsIn += 1
                try rejects.add(
                    Reject(
                        stage: .dedupe, row: reader.lineNumber, code: .invalidRecord, message: reader.describe(error)
                    ),
                    input: nil, rawInput: reader.line)
            case .object:
                stats.recordsIn += 1
                try take(
                    reader.tape, raw: reader.line, sequence: reader.lineNumber, row: reader.lineNumber, output: &output,
                    stats: &stats)
            }
        }
        try spill.close()
        try rejects.flush()
        stats.rejected = rejects.total
    }

    private func take(
        _ tape: JSONTape, raw: Span<UInt8>, sequence: Int, row: Int?,
        output: inout PartitionProcessor.Output, stats: inout DedupeStats
    ) throws {
        let identity: RecordIdentity.Identity
        do throws(RecordIdentity.Failure) {
            identity = try RecordIdentity.identify(tape)
        } catch {
            guard case .invalid(let message) = error else { return }
            try rejects.add(Reject(stage: .dedupe, row: row, code: .invalidRecord, message: message), input: raw)
            return
        }
        var key = identity.key
        var derived = false
        if key == nil && configuration.deriveEventIds {
            let eventId = "derived-" + hasher.hash(tape, at: 0, skipping: RetryQueue.bookkeeping).hex
            key = "event:" + eventId
            derived = true
            stats.derivedEventIds += 1
            rewrite(raw, adding: "eventId", .string(eventId))
        }
        if key == nil {
            let content = hasher.hash(tape, at: 0, skipping: RetryQueue.bookkeeping)
            key = RecordIdentity.contentKeyPrefix + content.hex
            // Queued before events were keyed by content, it sits in the queue under that hash;
            // from now on it is queued (if refused again) under its key.
            if sequence == RetryQueue.sequence { output.retire(content) }
        }
        let keyText = key!
        // A contact's content hash is taken now, from the tape already parsed.
        let content =
            identity.kind == .contact
            ? hasher.hash(tape, at: 0, skipping: PartitionProcessor.contactBookkeepingBytes)
            : StableHash128(hi: 0, lo: 0)
        let k = keyText.utf8Span.span
        let hash = StableHash128(k)
        // An object's rows are merged and its relationships compared line by line: it keeps its lines.
        let external = identity.kind != .object && bloom.mightContain(hash)
        func append(_ line: Span<UInt8>) throws {
            if external {
                try spill.appendExternal(
                    kind: identity.kind, key: hash, content: content, sequence: sequence, keyText: k, line: line)
            } else {
                try spill.append(
                    kind: identity.kind, key: hash, content: content, sequence: sequence, keyText: k, line: line)
            }
        }
        guard derived else { return try append(raw) }
        try rewritten.bytes.withSpan { line in try append(line) }
    }

    /// `raw` with one member added before its closing brace, into `rewritten`.
    private func rewrite(_ raw: Span<UInt8>, adding name: String, _ value: JSONValue) {
        rewritten.bytes.removeAll()
        rewritten.writeRaw(raw.extracting(..<(raw.lastIndex(of: UInt8(ascii: "}")) ?? raw.count)))
        rewritten.writeByte(UInt8(ascii: ","))
        rewritten.writeString(name)
        rewritten.writeByte(UInt8(ascii: ":"))
        rewritten.writeValue(value)
        rewritten.writeByte(UInt8(ascii: "}"))
    }
}
