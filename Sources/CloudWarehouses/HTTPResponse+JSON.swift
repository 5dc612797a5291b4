import CurlHTTP
import JSONCodec

extension HTTPResponse {
    /// The body as a JSON object, for small bodies (errors, statuses, tokens); nil when it is not one.
    var jsonObject: JSONObject? {
        (try? JSONValue.parse(String(decoding: body, as: UTF8.self)))?.objectValue
    }
}
