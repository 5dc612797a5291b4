import JSONCodec

/// Conversion's error envelope `{"error":{"code","message"}}` with its HTTP status
/// (docs/api.md). Codes are Conversion's own, plus this project's choices.
public struct APIError: Error, Equatable, Sendable {
    public var status: Int
    public var code: String
    public var message: String

    public init(status: Int, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public var envelope: JSONValue {
        .object(["error": .object(["code": .string(code), "message": .string(message)])])
    }

    /// The per-item failure form inside batch results (docs/api.md).
    public var itemResult: JSONValue {
        .object(["success": .bool(false), "error": .object(["code": .string(code), "message": .string(message)])])
    }

    public static func unauthorized(_ m: String) -> APIError { APIError(status: 401, code: "unauthorized", m) }
    public static func invalidRequest(_ m: String) -> APIError { APIError(status: 400, code: "invalid_request", m) }
    public static func missingIdentifier(_ m: String) -> APIError {
        APIError(status: 400, code: "missing_identifier", m)
    }
    public static func invalidEmail(_ m: String) -> APIError { APIError(status: 400, code: "invalid_email", m) }
    public static func invalidField(_ m: String) -> APIError { APIError(status: 400, code: "invalid_field", m) }
    public static func invalidSubscription(_ m: String) -> APIError {
        APIError(status: 400, code: "invalid_subscription_status", m)
    }
    public static func contactNotFound(_ m: String) -> APIError { APIError(status: 404, code: "contact_not_found", m) }
    public static func conflictingIdentifier(_ m: String) -> APIError {
        APIError(status: 400, code: "conflicting_identifier", m)
    }
    public static func objectTypeNotFound(_ m: String) -> APIError {
        APIError(status: 404, code: "object_type_not_found", m)
    }
    public static func notFound(_ m: String) -> APIError { APIError(status: 404, code: "not_found", m) }
    public static func internalError(_ m: String) -> APIError { APIError(status: 500, code: "internal_error", m) }
}
