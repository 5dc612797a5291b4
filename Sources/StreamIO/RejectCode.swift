/// The stage that wrote a reject: the `stage` member of every rejects line (docs/streams.md).
public enum Stage: String, Sendable, CaseIterable {
    case extract, map, dedupe, load
    /// cv-dedupe commit, for records the retry queue gave up on.
    case retry
}

/// A reject's code, and whether the same record can succeed later without its data changing.
/// Conversion's item codes are open-ended, so this is a value with named constants rather than
/// a closed enum; `isRetryable` is the one table the loader, the retry queue and the docs use,
/// and `documented` the list docs/api.md must hold (a test compares them).
public struct RejectCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    // cv-map: the row cannot become a record.
    /// The row lacks `userId`/`email`, `id`, `event_name` or `timestamp`.
    public static let missingRequiredField = RejectCode("missing_required_field")
    /// A value does not fit its field's type.
    public static let invalidFieldValue = RejectCode("invalid_field_value")
    public static let invalidSubscriptionStatus = RejectCode("invalid_subscription_status")
    /// The line is not a JSON object.
    public static let invalidJSON = RejectCode("invalid_json")
    /// Two columns of one row have the same name.
    public static let duplicateColumn = RejectCode("duplicate_column")
    /// Any stage: the line is longer than the stage reads (256 MiB); it is rejected alone.
    public static let lineTooLong = RejectCode("line_too_long")

    // cv-dedupe commit: why a record went into the retry queue, and why it left it.
    /// An object's relationship refused for a retryable reason (queued, not a reject).
    public static let relationshipFailed = RejectCode("relationship_failed")
    /// Refused as retryable in `runs` runs: the retry queue stops sending it.
    public static func gaveUp(afterRuns runs: Int) -> RejectCode { RejectCode("gave_up_after_\(runs)_runs") }

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

    /// Every fixed code, for the documentation check; `http_<status>` and
    /// `gave_up_after_N_runs` are families, documented by their pattern.
    public static let documented: [RejectCode] = [
        .missingRequiredField, .invalidFieldValue, .invalidEmail, .invalidSubscriptionStatus, .invalidJSON,
        .duplicateColumn, .lineTooLong, .invalidField, .invalidRecord, .missingIdentifier, .conflictingIdentifier,
        .contactNotFound, .objectTypeNotFound, .internalError, .upsertFailed, .serverError, .invalidResponse,
        .transportError, .timeout, .notSent, .relationshipFailed,
    ]

    static let retryable: Set<RejectCode> = [
        .contactNotFound, .internalError, .upsertFailed, .objectTypeNotFound, .serverError, .invalidResponse,
        .transportError, .timeout, .notSent, .relationshipFailed,
    ]
}
