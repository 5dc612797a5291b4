import SyncCore
import Synchronization

/// A request header: its name and value apart, joined only where libcurl takes the line, so no
/// header is built by string concatenation at the call sites (and a value cannot end a name).
public struct HTTPHeader: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }

    public static func bearer(_ token: String) -> HTTPHeader { HTTPHeader("Authorization", "Bearer " + token) }
    public static let jsonBody = HTTPHeader("Content-Type", "application/json")
    public static let acceptJSON = HTTPHeader("Accept", "application/json")
    public static let formBody = HTTPHeader("Content-Type", "application/x-www-form-urlencoded")

    /// The line libcurl sends.
    public var line: String { name + ": " + value }
}

/// One HTTP request, as the loader sends it.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [HTTPHeader]
    public var body: [UInt8]

    public init(method: String, url: String, headers: [HTTPHeader], body: [UInt8]) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// A request that got no HTTP answer: connection refused or dropped, timeout, TLS failure.
public struct HTTPTransportError: Error, Sendable, Equatable {
    public var code: Int
    public var message: String
    public var isTimeout: Bool
    /// The transfer was stopped by the session's `AbortSignal`.
    public var isAborted: Bool
    /// Retrying cannot help: a malformed URL, an unknown host, a certificate that does not verify.
    public var isPermanent: Bool

    public init(code: Int, message: String, isTimeout: Bool, isAborted: Bool = false, isPermanent: Bool = false) {
        self.code = code
        self.message = message
        self.isTimeout = isTimeout
        self.isAborted = isAborted
        self.isPermanent = isPermanent
    }
}

/// A flag another thread raises (a signal handler's queue) to stop transfers in flight.
public final class AbortSignal: Sendable {
    private let raised = Mutex(false)

    public init() {}

    public var isRaised: Bool { raised.withLock { $0 } }

    public func raise() { raised.withLock { $0 = true } }
}

/// Anything that performs requests; `CurlSession` in production.
public protocol HTTPTransport: AnyObject {
    func perform(_ request: HTTPRequest) throws(HTTPTransportError) -> HTTPResponse
}
