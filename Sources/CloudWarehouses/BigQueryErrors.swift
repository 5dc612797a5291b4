import CurlHTTP
import JSONCodec
import WarehouseCore

/// BigQuery's error shapes: `{"error":{"code","message","errors":[{"reason",…}],"status"}}` for a
/// refused request, and `errors` / `status.errorResult` in a response for a failed job.
enum BigQueryErrors {
    static func error(from response: HTTPResponse, client: CloudClient) -> ExtractError {
        guard let object = response.jsonObject,
            let error = object["error"]?.objectValue
        else {
            return client.unexpected(response, doing: "BigQuery request failed")
        }
        let message = client.clean(error["message"]?.stringValue ?? "HTTP \(response.status)")
        let reason = firstReason(error["errors"])
        if response.status == 401 || reason == "authError" {
            return client.authenticationError(response, detail: message)
        }
        if response.status == 403 && reason != "accessDenied" && reason != "invalidQuery" {
            return .connectionFailed(endpoint: client.endpoint, reason: "\(reason ?? "forbidden"): \(message)")
        }
        return queryFailed(message, reason: reason)
    }

    /// A response whose job failed and says so in `status.errorResult`.
    static func failedJob(_ tape: JSONTape) -> ExtractError? {
        guard let status = tape.member("status", of: 0), let result = tape.value("errorResult", of: status)?.objectValue
        else { return nil }
        return queryFailed(result["message"]?.stringValue ?? "the job failed", reason: result["reason"]?.stringValue)
    }

    /// The first of a response's `errors`, which BigQuery documents as "errors or warnings"
    /// (some servers answer a failed query with HTTP 200, `errors` and an empty schema): the job
    /// decides which they are.
    static func reportedErrors(_ tape: JSONTape) -> ExtractError? {
        guard case .array(let errors)? = tape.value("errors", of: 0), let first = errors.first?.objectValue else {
            return nil
        }
        return queryFailed(first["message"]?.stringValue ?? "the job failed", reason: first["reason"]?.stringValue)
    }

    static func queryFailed(_ message: String, reason: String?) -> ExtractError {
        let position = position(in: message)
        return .queryFailed(reason: message, line: position?.line, column: position?.column, detail: reason)
    }

    private static func firstReason(_ errors: JSONValue?) -> String? {
        guard case .array(let list)? = errors else { return nil }
        return list.first?.objectValue?["reason"]?.stringValue
    }

    /// BigQuery ends syntax errors with ` at [LINE:COLUMN]`.
    static func position(in message: String) -> (line: Int, column: Int)? {
        guard let open = message.lastIndex(of: "["), let close = message.lastIndex(of: "]"), open < close else {
            return nil
        }
        let parts = message[message.index(after: open)..<close].split(separator: ":")
        guard parts.count == 2, let line = Int(parts[0]), let column = Int(parts[1]) else { return nil }
        return (line, column)
    }
}
