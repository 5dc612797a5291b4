import JSONCodec

/// How Conversion answered one item of a batch (decision 1).
public enum ItemOutcome: Equatable, Sendable {
    case success(JSONObject)
    case failure(code: String, message: String)
}

public enum BatchResults {
    /// Per-item outcomes of a 2xx batch answer: `data.results[i]` (error as an object or a
    /// string), or `data.errors:[{index,code,message}]`; with neither, every item succeeded.
    public static func outcomes(_ body: [UInt8], count: Int) -> [ItemOutcome] {
        let parsed = body.withUnsafeBufferPointer { buffer in try? JSONValue.parse(buffer, maxDepth: 64) }
        let data = parsed?.objectValue?["data"]?.objectValue
        if case .array(let results)? = data?["results"] {
            return (0..<count).map { i in
                guard i < results.count, case .object(let r) = results[i] else {
                    return .failure(code: "internal_error", message: "the answer has no result for item \(i)")
                }
                if r["success"] == .bool(false) || r["error"] != nil { return failure(r["error"]) }
                return .success(r)
            }
        }
        var outcomes = [ItemOutcome](repeating: .success([:]), count: count)
        if case .array(let errors)? = data?["errors"] {
            for case .object(let e) in errors {
                guard case .number(let t)? = e["index"], let i = Int(t), i >= 0, i < count else { continue }
                outcomes[i] = failure(.object(e))
            }
        }
        return outcomes
    }

    private static func failure(_ error: JSONValue?) -> ItemOutcome {
        switch error {
        case .string(let message)?: return .failure(code: "upsert_failed", message: message)
        case .object(let e)?:
            return .failure(code: e["code"]?.stringValue ?? "upsert_failed", message: e["message"]?.stringValue ?? "no message")
        default: return .failure(code: "upsert_failed", message: "no error detail")
        }
    }

    /// The error of a whole-request failure: Conversion's envelope, else `http_<status>`.
    public static func requestError(status: Int, body: [UInt8]) -> (code: String, message: String) {
        let parsed = body.withUnsafeBufferPointer { buffer in try? JSONValue.parse(buffer, maxDepth: 16) }
        if let e = parsed?.objectValue?["error"]?.objectValue {
            return (e["code"]?.stringValue ?? "http_\(status)", e["message"]?.stringValue ?? "HTTP \(status)")
        }
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        return ("http_\(status)", text.isEmpty ? "HTTP \(status)" : "HTTP \(status): \(text)")
    }
}
