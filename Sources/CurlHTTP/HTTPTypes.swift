/// One HTTP request, as the loader sends it.
public struct HTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [String]
    public var body: [UInt8]

    public init(method: String, url: String, headers: [String], body: [UInt8]) {
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
}

/// A request that got no HTTP answer: connection refused or dropped, timeout, TLS failure.
public struct HTTPTransportError: Error, Sendable, Equatable {
    public var code: Int
    public var message: String
    public var isTimeout: Bool
}

/// Anything that performs requests; `CurlSession` in production.
public protocol HTTPTransport: AnyObject {
    func perform(_ request: HTTPRequest) throws(HTTPTransportError) -> HTTPResponse
}
