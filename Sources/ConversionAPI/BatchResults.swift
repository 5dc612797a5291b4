import JSONCodec

/// What Conversion said about one accepted item: its ids, and per relationship (objects).
public struct ItemResult: Sendable, Equatable {
    public var cnvContactId: String?
    public var cnvEventId: String?
    public var cnvObjectId: String?
    /// contactCreated or objectCreated.
    public var created: Bool?
    public var relationships: [RelationshipResult]?

    public init() {}
}

public struct RelationshipResult: Sendable, Equatable {
    public var success: Bool
    public var code: String?
    public var message: String?

    public init(success: Bool, code: String?, message: String?) {
        self.success = success
        self.code = code
        self.message = message
    }
}

/// How Conversion answered one item of a batch (docs/api.md).
public enum ItemOutcome: Equatable, Sendable {
    case success(ItemResult)
    case failure(code: String, message: String)
}

/// Why a 2xx answer is not a batch result: it is never taken as success (a wrong API URL
/// pointing at any web server must not acknowledge records).
public struct InvalidAnswer: Error, Equatable, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

public enum BatchResults {
    /// Per-item outcomes of a 2xx batch answer, validated against the published shape:
    /// `data.results` with exactly one result object per item (its error an object or a string),
    /// or the `data.errors:[{index,code,message}]` list, every index inside the batch.
    /// Anything else throws. Read from the tape: no tree per answer, whatever its size.
    public static func outcomes(_ body: [UInt8], count: Int) throws(InvalidAnswer) -> [ItemOutcome] {
        var tape = JSONTape()
        let parsed = (try? JSONParser(maxDepth: 64).parse(body.span, into: &tape)) != nil
        guard parsed else {
            throw InvalidAnswer(body.isEmpty ? "the body is empty" : "the body is not JSON: \(snippet(body))")
        }
        guard tape[0].kind == .object, let data = tape.member("data", of: 0), tape[data].kind == .object else {
            throw InvalidAnswer("no 'data' object: \(snippet(body))")
        }
        if let results = tape.member("results", of: data) {
            guard tape[results].kind == .array else { throw InvalidAnswer("'data.results' is not an array") }
            guard Int(tape[results].start) == count else {
                throw InvalidAnswer("\(tape[results].start) results for a batch of \(count)")
            }
            var outcomes: [ItemOutcome] = []
            outcomes.reserveCapacity(count)
            var k = results + 1
            for i in 0..<count {
                guard tape[k].kind == .object else { throw InvalidAnswer("result \(i) is not an object") }
                outcomes.append(try outcome(tape, k, index: i))
                k = Int(tape[k].next)
            }
            return outcomes
        }
        guard let errors = tape.member("errors", of: data), tape[errors].kind == .array else {
            throw InvalidAnswer("'data' has neither 'results' nor 'errors': \(snippet(body))")
        }
        var outcomes = [ItemOutcome](repeating: .success(ItemResult()), count: count)
        var k = errors + 1
        for _ in 0..<Int(tape[errors].start) {
            guard tape[k].kind == .object, let index = tape.member("index", of: k), tape[index].kind == .number,
                let i = Int(String(decodingUTF8: tape.bytes(index))), i >= 0, i < count
            else {
                throw InvalidAnswer("an entry of 'data.errors' has no index inside the batch of \(count)")
            }
            outcomes[i] = failure(tape, k)
            k = Int(tape[k].next)
        }
        return outcomes
    }

    private static func snippet(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(80), as: UTF8.self).split(whereSeparator: \.isNewline).joined(
            separator: " ")
        return body.count > 80 ? text + "…" : text
    }

    private static func outcome(_ tape: JSONTape, _ object: Int, index: Int) throws(InvalidAnswer) -> ItemOutcome {
        guard let s = tape.member("success", of: object), tape[s].kind == .true || tape[s].kind == .false else {
            throw InvalidAnswer("result \(index) has no boolean 'success'")
        }
        if tape[s].kind == .false { return failure(tape, tape.member("error", of: object)) }
        var result = ItemResult()
        result.cnvContactId = tape.string("cnvContactId", of: object)
        result.cnvEventId = tape.string("cnvEventId", of: object)
        result.cnvObjectId = tape.string("cnvObjectId", of: object)
        if let c = tape.member("contactCreated", of: object) ?? tape.member("objectCreated", of: object) {
            result.created = tape[c].kind == .true ? true : tape[c].kind == .false ? false : nil
        }
        if let rels = tape.member("relationships", of: object), tape[rels].kind == .array {
            var list: [RelationshipResult] = []
            var k = rels + 1
            for r in 0..<Int(tape[rels].start) {
                if tape[k].kind == .object, case .failure(let code, let message) = try outcome(tape, k, index: r) {
                    list.append(RelationshipResult(success: false, code: code, message: message))
                } else {
                    list.append(RelationshipResult(success: tape[k].kind == .object, code: nil, message: nil))
                }
                k = Int(tape[k].next)
            }
            result.relationships = list
        }
        return .success(result)
    }

    /// An error given as an object `{code,message}` or as a plain string.
    private static func failure(_ tape: JSONTape, _ error: Int?) -> ItemOutcome {
        guard let error else { return .failure(code: "upsert_failed", message: "no error detail") }
        switch tape[error].kind {
        case .string: return .failure(code: "upsert_failed", message: tape.decodeString(error))
        case .object:
            return .failure(
                code: tape.string("code", of: error) ?? "upsert_failed",
                message: tape.string("message", of: error) ?? "no message")
        default: return .failure(code: "upsert_failed", message: "no error detail")
        }
    }

    /// Conversion's error envelope `{"error":{"code":"…","message":"…"}}`, if the body is one.
    public static func errorEnvelope(_ body: [UInt8]) -> (code: String, message: String)? {
        let parsed = try? JSONValue.parse(body.span, maxDepth: 16)
        guard let e = parsed?.objectValue?["error"]?.objectValue, let code = e["code"]?.stringValue else { return nil }
        return (code, e["message"]?.stringValue ?? "")
    }

    /// The error of a whole-request failure: Conversion's envelope, else `http_<status>`.
    public static func requestError(status: Int, body: [UInt8]) -> (code: String, message: String) {
        let parsed = try? JSONValue.parse(body.span, maxDepth: 16)
        if let e = parsed?.objectValue?["error"]?.objectValue {
            return (e["code"]?.stringValue ?? "http_\(status)", e["message"]?.stringValue ?? "HTTP \(status)")
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return ("http_\(status)", text.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(text)")
    }
}
