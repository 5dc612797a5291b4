import JSONCodec
import StreamIO

/// A run's counts, read from the `--stats` files its stages wrote in the run's folder. A stage
/// that did not run wrote none, and its counts are 0.
public struct RunStats: Sendable {
    /// The stats files a run's folder can hold, one per stage, and the commit's.
    public enum File: String, Sendable, CaseIterable {
        case extract, map, dedupe, load, commit
    }

    private var objects: [File: JSONObject] = [:]

    public init(folder: String) {
        for file in File.allCases {
            guard let text = try? TextFile.read("\(folder)/\(file.rawValue).json"),
                let object = (try? JSONValue.parse(text))?.objectValue
            else { continue }
            objects[file] = object
        }
    }

    public init(_ objects: [File: JSONObject]) { self.objects = objects }

    public subscript(file: File, key: String) -> Int {
        guard case .number(let text)? = objects[file]?[key] else { return 0 }
        return Int(text) ?? 0
    }

    public func value(_ file: File, _ key: String) -> JSONValue? {
        guard let value = objects[file]?[key], !value.isNull else { return nil }
        return value
    }

    /// Rows or records refused by the map, dedupe and load stages together.
    public var rejected: Int { self[.map, "rejected"] + self[.dedupe, "rejected"] + self[.load, "rejected"] }

    public var ignoredColumns: [String] {
        value(.map, "ignoredColumns")?.arrayValue?.compactMap(\.stringValue) ?? []
    }
}
