/// The field types a schema can declare (a choice of this project: docs/api.md).
public enum FieldType: String, Sendable, CaseIterable {
    case string, number, boolean, date, datetime

    /// How messages name the expectation: "expected a number".
    public var expectation: String {
        switch self {
        case .string: return "a string"
        case .number: return "a number"
        case .boolean: return "a boolean"
        case .date: return "a date (YYYY-MM-DD)"
        case .datetime: return "a timestamp (RFC 3339, 'YYYY-MM-DD HH:MM:SS' or Unix seconds/milliseconds)"
        }
    }
}

/// An ordered set of field keys with their types.
public struct FieldSet: Sendable, Equatable {
    public private(set) var keys: [String] = []
    public private(set) var types: [FieldType] = []
    private var index: [String: Int] = [:]

    public init(_ fields: [(String, FieldType)] = []) {
        for (key, type) in fields { add(key, type) }
    }

    public mutating func add(_ key: String, _ type: FieldType) {
        if let i = index[key] {
            types[i] = type
            return
        }
        index[key] = keys.count
        keys.append(key)
        types.append(type)
    }

    public func position(of key: String) -> Int? { index[key] }
    public func type(of key: String) -> FieldType? { index[key].map { types[$0] } }
    public var isEmpty: Bool { keys.isEmpty }
    public var members: [(String, FieldType)] { Array(zip(keys, types)) }
}
