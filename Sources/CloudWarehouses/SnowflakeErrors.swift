import CurlHTTP
import JSONCodec
import WarehouseCore

/// Snowflake SQL API errors: `{"code","message","sqlState","statementHandle"}` with HTTP 422 for
/// a failed statement, 401/403 for refused credentials, 408 for a timeout.
enum SnowflakeErrors {
    static func error(from response: HTTPResponse, client: CloudClient) -> ExtractError {
        guard let object = response.jsonObject,
            let message = object["message"]?.stringValue
        else {
            if response.status == 401 || response.status == 403 {
                return client.authenticationError(response, detail: "no detail")
            }
            return client.unexpected(response, doing: "Snowflake request failed")
        }
        let text = client.clean(message)
        let code = object["code"]?.stringValue
        if response.status == 401 || response.status == 403 || code == "390144" || code == "390318" {
            return client.authenticationError(response, detail: text + (code.map { " (code \($0))" } ?? ""))
        }
        let position = position(in: text)
        let detail = [code.map { "code \($0)" }, object["sqlState"]?.stringValue.map { "SQLSTATE \($0)" }].compactMap {
            $0
        }.joined(separator: ", ")
        return .queryFailed(reason: text, line: position?.line, column: position?.column, detail: detail)
    }

    /// Snowflake says `… line 1 at position 14 …` (position counts from 0).
    static func position(in message: String) -> (line: Int, column: Int)? {
        guard let range = message.firstRange(of: "line ") else { return nil }
        let words = message[range.upperBound...].split(separator: " ", maxSplits: 4)
        guard words.count >= 3, let line = Int(words[0]), words[1] == "at", words[2] == "position",
            words.count >= 4, let column = Int(words[3].prefix { $0.isNumber })
        else { return nil }
        return (line, column + 1)
    }
}
