import StreamIO
import SyncCore

/// Why a row cannot become a record. Codes are stable identifiers listed in the README.
struct MapFailure: Error, Equatable {
    var code: RejectCode
    var message: String

    static func missing(_ message: String) -> MapFailure {
        MapFailure(code: .missingRequiredField, message: message)
    }

    static func invalidValue(column: String, expected: String, got: String) -> MapFailure {
        MapFailure(code: .invalidFieldValue, message: "column '\(column)': expected \(expected), got \(got)")
    }
}
