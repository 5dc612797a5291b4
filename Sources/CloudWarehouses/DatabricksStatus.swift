import CurlHTTP
import JSONCodec
import WarehouseCore

/// Reads `status` from a statement response: whether to keep polling, or the failure.
enum DatabricksStatus {
    static func isRunning(_ response: HTTPResponse, client: CloudClient, remember: (String) -> Void) throws(ExtractError) -> Bool {
        guard response.status == 200 else { throw error(from: response, client: client) }
        var page = ResponsePage()
        let (id, state, failure) = try page.read(response.body, orFail: { _ in client.unexpected(response, doing: "statement response that is not JSON") }) {
            (tape) throws(ExtractError) -> (String?, String, JSONObject?) in
            let status = tape.member("status", of: 0)
            return (tape.string("statement_id", of: 0), status.flatMap { tape.string("state", of: $0) } ?? "",
                    status.flatMap { tape.value("error", of: $0)?.objectValue })
        }
        if let id { remember(id) }
        switch state {
        case "PENDING", "RUNNING": return true
        case "SUCCEEDED": return false
        case "FAILED":
            let message = client.clean(failure?["message"]?.stringValue ?? "the statement failed")
            throw .queryFailed(reason: message, line: nil, column: nil, detail: failure?["error_code"]?.stringValue)
        default:
            throw .queryFailed(reason: "the statement ended in state \(state.isEmpty ? "unknown" : state)", line: nil, column: nil, detail: nil)
        }
    }

    static func error(from response: HTTPResponse, client: CloudClient) -> ExtractError {
        let object = (try? JSONValue.parse(String(decoding: response.body, as: UTF8.self)))?.objectValue
        let message = client.clean(object?["message"]?.stringValue ?? "HTTP \(response.status)")
        let code = object?["error_code"]?.stringValue
        if response.status == 401 || response.status == 403 || code == "PERMISSION_DENIED" || code == "UNAUTHENTICATED" {
            return client.authenticationError(response, detail: message + (code.map { " (\($0))" } ?? ""))
        }
        if response.status == 404 { return .connectionFailed(endpoint: client.endpoint, reason: message + (code.map { " (\($0))" } ?? "")) }
        return .queryFailed(reason: message, line: nil, column: nil, detail: code)
    }
}
