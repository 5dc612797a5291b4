/// Why a row cannot become a record. Codes are stable identifiers listed in the README.
struct MapFailure: Error, Equatable {
    var code: String
    var message: String

    static func missing(_ message: String) -> MapFailure {
        MapFailure(code: "missing_required_field", message: message)
    }

    static func invalidValue(column: String, expected: String, got: String) -> MapFailure {
        MapFailure(code: "invalid_field_value", message: "column '\(column)': expected \(expected), got \(got)")
    }
}

/// The stable reject codes cv-map emits.
public enum MapRejectCode {
    public static let all = [
        "missing_required_field", "invalid_field_value", "invalid_email",
        "invalid_subscription_status", "invalid_field", "invalid_json",
    ]
}
