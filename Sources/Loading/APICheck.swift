import StreamIO
import ConversionAPI
import CurlHTTP
import SyncCore

/// `cv-load --check`: one empty contacts batch. Conversion answers 400 invalid_request to
/// it once the key is accepted, so nothing is written and both reachability and the key are
/// tested. With an object type, one empty batch of that type too: 404 object_type_not_found
/// when the workspace does not have it (nothing lists object types).
public enum APICheck {
    public enum Failure: ToolError {
        case connection(String)
        case refused(Int, String)
        case unexpected(Int, String)
        case noObjectType(String, String)

        public var exitStatus: ExitStatus { .failure }

        /// About the moment, not the setup: no connection, a 5xx or a 429. A run that meets one
        /// goes on, and its own retries and the retry queue deal with it.
        public var isTransient: Bool {
            switch self {
            case .connection: return true
            case .unexpected(let status, _): return status >= 500 || status == 429
            case .refused, .noObjectType: return false
            }
        }
        public var message: String {
            switch self {
            case .connection(let m): return "Connection failed: \(m)"
            case .refused(let s, let m): return "API key refused (HTTP \(s)): \(m)"
            case .unexpected(let s, let m): return "not the Conversion API, or not working (HTTP \(s)): \(m)"
            case .noObjectType(let t, let m):
                return "the workspace has no object type '\(t)' (create it in Conversion first): \(m)"
            }
        }
    }

    public static func run(_ configuration: LoadConfiguration, objectType: String? = nil) throws -> String {
        let session = CurlSession(userAgent: Loader.userAgent, connectTimeoutSeconds: 10, totalTimeoutSeconds: 20)
        var answer = try emptyBatch(session, configuration, path: APIContract.contactsBatchPath, member: "contacts")
        guard let objectType else { return answer }
        guard APIContract.isObjectTypeKey(objectType) else {
            throw SchemaError.invalidObjectTypeKey(schema: nil, type: objectType)
        }
        do {
            _ = try emptyBatch(
                session, configuration, path: APIContract.objectsBatchPath(objectType), member: "objects")
        } catch Failure.unexpected(404, let message) where message.hasPrefix(RejectCode.objectTypeNotFound.rawValue) {
            throw Failure.noObjectType(objectType, message)
        }
        answer += "; object type '\(objectType)' exists"
        return answer
    }

    private static func emptyBatch(
        _ session: CurlSession, _ configuration: LoadConfiguration, path: String, member: String
    ) throws -> String {
        let request = HTTPRequest(
            method: "POST", url: configuration.apiURL + path,
            headers: [HTTPHeader(APIContract.apiKeyHeader, configuration.apiKey), .jsonBody],
            body: Array("{\"\(member)\":[]}".utf8))
        let response: HTTPResponse
        do throws(HTTPTransportError) { response = try session.perform(request) } catch {
            throw Failure.connection(error.message)
        }
        // Conversion answers an empty batch with its error envelope: 400 invalid_request once
        // the key is accepted, 401/403 when it is not. Any other answer (a web page, a 200, a
        // 404 from a proxy) means the URL does not lead to the Conversion API.
        guard let e = BatchResults.errorEnvelope(response.body) else {
            throw Failure.unexpected(
                response.status,
                "the answer is not the Conversion API's error envelope: "
                    + BatchResults.requestError(status: response.status, body: response.body).message)
        }
        switch response.status {
        case 400: return "API at \(configuration.apiURL) answers and accepts the key"
        case 401, 403: throw Failure.refused(response.status, e.message)
        default: throw Failure.unexpected(response.status, "\(e.code): \(e.message)")
        }
    }
}
