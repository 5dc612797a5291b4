import CurlHTTP
import Synchronization
import WarehouseCore

#if canImport(Glibc)
    import Glibc
#endif

/// Supplies the authorization headers for API requests.
protocol TokenSource: AnyObject, Sendable {
    /// Headers for the next request; `refresh` forces a new token after a 401.
    func headers(refresh: Bool) throws(ExtractError) -> [HTTPHeader]
    /// Whether a new token can be had (an exchanged or self-signed one), so a 401 is worth one retry.
    var canRefresh: Bool { get }
}

/// A token given ready to use (an access token, a personal access token, an OAuth token).
final class StaticToken: TokenSource {
    private let values: [HTTPHeader]

    init(headers: [HTTPHeader]) { values = headers }

    func headers(refresh: Bool) throws(ExtractError) -> [HTTPHeader] { values }
    var canRefresh: Bool { false }
}

/// A token obtained by `fetch` (an exchange at a token endpoint, or a freshly signed JWT) and
/// reused until a minute before it expires.
final class RenewingToken: TokenSource, Sendable {
    typealias Fetch = @Sendable () throws(ExtractError) -> (headers: [HTTPHeader], lifetimeSeconds: Int)
    private let fetch: Fetch
    private let current = Mutex<(headers: [HTTPHeader], expiresAt: Int)>(([], 0))

    init(fetch: @escaping Fetch) { self.fetch = fetch }

    var canRefresh: Bool { true }

    func headers(refresh: Bool) throws(ExtractError) -> [HTTPHeader] {
        let now = Int(time(nil))
        if !refresh, let cached = current.withLock({ now < $0.expiresAt - 60 ? $0.headers : nil }) { return cached }
        let fresh = try fetch()
        current.withLock { $0 = (fresh.headers, now + fresh.lifetimeSeconds) }
        return fresh.headers
    }
}
