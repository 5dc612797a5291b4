import CurlHTTP
import JSONCodec
import SyncCore
import WarehouseCore
import Retrying

/// One OAuth 2.0 token request (RFC 6749 §4.4 client credentials, §6 refresh, RFC 7523 JWT
/// bearer): a form POST answered by `{"access_token":…,"expires_in":…}` or `{"error":…}`.
enum OAuthExchange {
    static func token(
        at url: String, form: [(String, String)], basicAuth: (user: String, password: String)? = nil,
        scrubber: SecretScrubber, what: String
    ) throws(ExtractError) -> (headers: [HTTPHeader], lifetimeSeconds: Int) {
        let client = CloudClient(
            endpoint: "\(what) token endpoint '\(url)'", tokens: nil, scrubber: scrubber,
            retry: RetryPolicy(maxAttempts: 4, baseDelay: 0.5, maxDelay: 5))
        var headers: [HTTPHeader] = [.formBody, .acceptJSON]
        if let basicAuth {
            headers.append(
                HTTPHeader(
                    "Authorization", "Basic " + Base64.encode(Array((basicAuth.user + ":" + basicAuth.password).utf8))))
        }
        let response = try client.send(
            "POST", url, headers: headers, body: Array(FormEncoding.encode(form).utf8), authorized: false)
        return try bearer(from: response, client: client)
    }

    /// `{"access_token":…,"expires_in":…}` as request headers, or the refusal with its reason.
    static func bearer(from response: HTTPResponse, client: CloudClient) throws(ExtractError) -> (
        headers: [HTTPHeader], lifetimeSeconds: Int
    ) {
        let body = response.jsonObject
        guard response.status == 200 else {
            let error = body?["error"]?.stringValue ?? "HTTP \(response.status)"
            let description = body?["error_description"]?.stringValue.map { ": " + $0 } ?? ""
            throw client.authenticationError(response, detail: "token request refused: \(error)\(description)")
        }
        guard let token = body?["access_token"]?.stringValue, !token.isEmpty else {
            throw client.unexpected(response, doing: "token response without access_token")
        }
        let lifetime = body?["expires_in"].flatMap(Self.integer) ?? 3600
        return ([.bearer(token)], lifetime)
    }

    static func integer(_ value: JSONValue) -> Int? {
        switch value {
        case .number(let text): return Int(text) ?? Double(text).map { Int($0) }
        case .string(let text): return Int(text)
        default: return nil
        }
    }
}
