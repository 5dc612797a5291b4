import CurlHTTP
import JSONCodec
import WarehouseCore

/// Reads a statement response's `status` and the API's error bodies.
enum DatabricksStatus {
    /// Whether the statement in the response at the tape's root is still PENDING or RUNNING;
    /// throws the failure when it FAILED or ended otherwise.
    static func isRunning(_ tape: JSONTape, client: CloudClient) throws(ExtractError) -> Bool {
        let status = tape.member("status", of: 0)
        let state = status.flatMap { tape.string("state", of: $0) } ?? ""
        switch state {
        case "PENDING", "RUNNING": return true
        case "SUCCEEDED": return false
        case "FAILED":
            let failure = status.flatMap { tape.value("error", of: $0)?.objectValue }
            let message = client.clean(failure?["message"]?.stringValue ?? "the statement failed")
            throw .queryFailed(reason: message, line: nil, column: nil, detail: failure?["error_code"]?.stringValue)
        default:
            throw .queryFailed(
                reason: "the statement ended in state \(state.isEmpty ? "unknown" : state)", line: nil, column: nil,
                detail: nil)
        }
    }

    static func error(from response: HTTPResponse, client: CloudClient) -> ExtractError {
        let object = response.jsonObject
        let message = client.clean(object?["message"]?.stringValue ?? "HTTP \(response.status)")
        let code = object?["error_code"]?.stringValue
        if response.status == 401 || response.status == 403 || code == "PERMISSION_DENIED" || code == "UNAUTHENTICATED"
        {
            return client.authenticationError(response, detail: message + (code.map { " (\($0))" } ?? ""))
        }
        if response.status == 404 {
            return .connectionFailed(endpoint: client.endpoint, reason: message + (code.map { " (\($0))" } ?? ""))
        }
        return .queryFailed(reason: message, line: nil, column: nil, detail: code)
    }
}
