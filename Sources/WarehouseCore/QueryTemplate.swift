import SyncCore

/// Fills `{{last_sync_time}}` (inner spaces allowed) with the bare integer. Any other
/// `{{identifier}}` is a configuration error naming it; `{{` not around an identifier (a
/// PostgreSQL array literal such as '{{1,2},{3,4}}') is left alone.
public enum QueryTemplate {
    public static let knownVariables = ["last_sync_time"]

    public static func render(_ query: String, lastSyncTime: Int64) throws(QueryTemplateError) -> String {
        // Every client library reads the query as a C string: a NUL would end it there, and
        // the rest (a WHERE clause, say) would silently not apply.
        if let offset = query.utf8.firstIndex(of: 0).map({ query.utf8.distance(from: query.utf8.startIndex, to: $0) }) {
            throw .nulByte(
                offset: offset,
                line: lineNumber(of: query.utf8.index(query.utf8.startIndex, offsetBy: offset), in: query))
        }
        var out = ""
        var rest = Substring(query)
        while let open = rest.firstRange(of: "{{") {
            guard let close = rest[open.upperBound...].firstRange(of: "}}") else { break }
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: " \t")
            guard isIdentifier(inner) else {
                out += rest[..<open.upperBound]
                rest = rest[open.upperBound...]
                continue
            }
            guard inner == "last_sync_time" else {
                throw QueryTemplateError.unknownVariable(name: inner, line: lineNumber(of: open.lowerBound, in: query))
            }
            out += rest[..<open.lowerBound]
            out += String(lastSyncTime)
            rest = rest[close.upperBound...]
        }
        out += rest
        return out
    }

    /// The variables a query uses, for `check`-style validation without rendering.
    public static func variables(in query: String) -> [String] {
        var names: [String] = []
        var rest = Substring(query)
        while let open = rest.firstRange(of: "{{"), let close = rest[open.upperBound...].firstRange(of: "}}") {
            let inner = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: " \t")
            if isIdentifier(inner) {
                names.append(inner)
                rest = rest[close.upperBound...]
            } else {
                rest = rest[open.upperBound...]
            }
        }
        return names
    }

    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.unicodeScalars.first, first == "_" || first.properties.isAlphabetic && first.isASCII else {
            return false
        }
        return s.unicodeScalars.allSatisfy {
            $0.isASCII && ($0 == "_" || $0.properties.isAlphabetic || ("0"..."9").contains($0))
        }
    }

    private static func lineNumber(of index: String.Index, in text: String) -> Int {
        text[..<index].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    }
}

/// A query template that cannot be rendered (exit 2).
public enum QueryTemplateError: ToolError, Equatable {
    case unknownVariable(name: String, line: Int)
    /// A NUL byte (0-based byte offset), which would cut the query short.
    case nulByte(offset: Int, line: Int)

    public var exitStatus: ExitStatus { .usage }

    public var message: String {
        switch self {
        case .unknownVariable(let name, let line):
            return "query line \(line): unknown variable '{{\(name)}}' (the only variable is '{{last_sync_time}}')"
        case .nulByte(let offset, let line):
            return "query line \(line): a NUL byte at byte offset \(offset); the warehouse would read the query only "
                + "up to it. Remove it (the file may be UTF-16: save it as UTF-8)"
        }
    }
}
