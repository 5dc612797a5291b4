/// A reject's code, and whether the same record can succeed later without its data changing.
/// Conversion's item codes are open-ended, so this is a value with named constants rather than
/// a closed enum; `isRetryable` is the one table the loader, the retry queue and the docs use.
public struct RejectCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    // Conversion's own item and request codes (published).
    public static let contactNotFound = RejectCode("contact_not_found")
    public static let internalError = RejectCode("internal_error")
    public static let upsertFailed = RejectCode("upsert_failed")
    public static let invalidEmail = RejectCode("invalid_email")
    public static let invalidField = RejectCode("invalid_field")
    public static let missingIdentifier = RejectCode("missing_identifier")
    public static let conflictingIdentifier = RejectCode("conflicting_identifier")
    // This project's decisions (6: objects) and the loader's own outcomes.
    public static let objectTypeNotFound = RejectCode("object_type_not_found")
    /// A 5xx answer that stayed a 5xx after retries and bisection, for this one record.
    public static let serverError = RejectCode("server_error")
    /// A 2xx answer that was not a batch result (HTML, empty, wrong count).
    public static let invalidResponse = RejectCode("invalid_response")
    public static let transportError = RejectCode("transport_error")
    public static let timeout = RejectCode("timeout")
    public static let notSent = RejectCode("not_sent")
    public static let invalidRecord = RejectCode("invalid_record")

    /// `http_<status>` for a whole-request failure with no code of Conversion's.
    public static func http(_ status: Int) -> RejectCode { RejectCode("http_\(status)") }

    /// Retryable codes are about the moment, not the record: the retry queue sends such
    /// records again on later runs. The rest come back only when the warehouse row changes.
    public var isRetryable: Bool {
        if Self.retryable.contains(self) { return true }
        if rawValue == "http_429" || rawValue == "http_408" { return true }
        if rawValue.hasPrefix("http_5"), rawValue.count == 8 { return true }
        return false
    }

    static let retryable: Set<RejectCode> = [
        .contactNotFound, .internalError, .upsertFailed, .objectTypeNotFound, .serverError, .invalidResponse,
        .transportError, .timeout, .notSent,
    ]
}
