import CCurl
import SyncCore

#if canImport(Glibc)
    import Glibc
#endif

/// One libcurl easy handle, reused so connections stay alive between requests (HTTP/1.1
/// keep-alive, HTTP/2 where a TLS server offers it). TLS is verified. Not thread-safe: one
/// session per worker.
public final class CurlSession: HTTPTransport {
    /// Nil when libcurl could not allocate one (out of memory): every request then fails as a
    /// transport error instead of the process crashing.
    private let handle: UnsafeMutableRawPointer?
    private let userAgent: String
    private let connectTimeout: Int
    private let totalTimeout: Int
    private let acceptsCompression: Bool
    /// Checked while a transfer runs; when it says stop, the transfer ends with `isAborted`.
    private let abort: AbortSignal?
    /// libcurl writes transfer errors here; it must outlive the transfer, so it is allocated once.
    private let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
    /// Whether the previous transfer left a connection libcurl will try to reuse.
    private var connectionKept = false
    private let beforeReconnect: (@Sendable () -> Void)?

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_ALL)) }()

    /// `beforeReconnect` runs (and may block) before libcurl opens a connection in a transfer
    /// that was to reuse one. libcurl resends a request on a fresh connection when a reused one
    /// dies under it, and no option turns that off: a caller that paces its requests takes a
    /// slot there, so the resend is paced like any other request.
    public init(
        userAgent: String, connectTimeoutSeconds: Int = 10, totalTimeoutSeconds: Int = 60,
        acceptsCompression: Bool = false, abort: AbortSignal? = nil, beforeReconnect: (@Sendable () -> Void)? = nil
    ) {
        self.beforeReconnect = beforeReconnect
        _ = Self.globalInit
        handle = curl_easy_init()
        self.userAgent = userAgent
        connectTimeout = connectTimeoutSeconds
        totalTimeout = totalTimeoutSeconds
        self.acceptsCompression = acceptsCompression
        self.abort = abort
    }

    deinit {
        if let handle { curl_easy_cleanup(handle) }
        errorBuffer.deallocate()
    }

    public func perform(_ request: HTTPRequest) throws(HTTPTransportError) -> HTTPResponse {
        try perform(request, bodyFile: nil)
    }

    /// With `bodyFile`, the response body is written to that file descriptor instead of memory
    /// (for large downloads); the returned response then has an empty body.
    public func perform(_ request: HTTPRequest, bodyFile: Int32?) throws(HTTPTransportError) -> HTTPResponse {
        guard let handle else {
            throw HTTPTransportError(
                code: Int(CURLE_FAILED_INIT.rawValue), message: "libcurl could not start a session (out of memory)",
                isTimeout: false)
        }
        if let abort, abort.isRaised {
            throw HTTPTransportError(
                code: Int(CURLE_ABORTED_BY_CALLBACK.rawValue), message: "aborted", isTimeout: false, isAborted: true)
        }
        let collector = ResponseCollector()
        collector.file = bodyFile
        let box = Unmanaged.passRetained(collector)
        defer { box.release() }
        var headers: UnsafeMutablePointer<curl_slist>?
        for h in request.headers.map(\.line) + ["Expect:"] { headers = curl_slist_append(headers, h) }
        defer { curl_slist_free_all(headers) }
        configure(handle, request, headers: headers, collector: collector, context: box.toOpaque())
        errorBuffer[0] = 0
        let rc: CURLcode = request.body.withUnsafeBufferPointer { body in
            if request.method != "GET" {
                cvcurl_setopt_offset(handle, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count))
                cvcurl_setopt_pointer(
                    handle, CURLOPT_POSTFIELDS,
                    UnsafeMutableRawPointer(mutating: body.baseAddress ?? UnsafePointer(bitPattern: 1)!))
            }
            return curl_easy_perform(handle)
        }
        connectionKept = rc == CURLE_OK && collector.headers["connection"]?.lowercased() != "close"
        guard rc == CURLE_OK else { throw failure(rc) }
        var status = 0
        cvcurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: collector.headers, body: collector.body)
    }

    /// The handle set for one request: what is sent, TLS, timeouts, and the callbacks that
    /// collect the answer (and pace a reconnect, and abort).
    private func configure(
        _ handle: UnsafeMutableRawPointer, _ request: HTTPRequest, headers: UnsafeMutablePointer<curl_slist>?,
        collector: ResponseCollector, context: UnsafeMutableRawPointer
    ) {
        curl_easy_reset(handle)
        cvcurl_setopt_string(handle, CURLOPT_URL, request.url)
        cvcurl_setopt_string(handle, CURLOPT_CUSTOMREQUEST, request.method)
        cvcurl_setopt_string(handle, CURLOPT_USERAGENT, userAgent)
        cvcurl_setopt_slist(handle, CURLOPT_HTTPHEADER, headers)
        cvcurl_setopt_long(handle, CURLOPT_CONNECTTIMEOUT, connectTimeout)
        cvcurl_setopt_long(handle, CURLOPT_TIMEOUT, totalTimeout)
        cvcurl_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        cvcurl_setopt_long(handle, CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
        cvcurl_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 1)
        cvcurl_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 2)
        if let bundle = TLSTrust.bundle { cvcurl_setopt_string(handle, CURLOPT_CAINFO, bundle) }
        if let folder = TLSTrust.folder { cvcurl_setopt_string(handle, CURLOPT_CAPATH, folder) }
        cvcurl_setopt_long(handle, CURLOPT_TCP_KEEPALIVE, 1)
        cvcurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        cvcurl_setopt_write(handle, curlWriteBody)
        cvcurl_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        cvcurl_setopt_header(handle, curlWriteHeader)
        cvcurl_setopt_pointer(handle, CURLOPT_HEADERDATA, context)
        if acceptsCompression { cvcurl_setopt_string(handle, CURLOPT_ACCEPT_ENCODING, "") }
        if let beforeReconnect, connectionKept {
            collector.beforeReconnect = beforeReconnect
            cvcurl_setopt_sockopt(handle, curlSocketOpened)
            cvcurl_setopt_pointer(handle, CURLOPT_SOCKOPTDATA, context)
        }
        if let abort {
            cvcurl_setopt_xferinfo(handle, curlProgress)
            cvcurl_setopt_pointer(handle, CURLOPT_XFERINFODATA, Unmanaged.passUnretained(abort).toOpaque())
            cvcurl_setopt_long(handle, CURLOPT_NOPROGRESS, 0)
        }
    }

    /// A failed transfer in words a reader can act on, and whether trying again can help.
    private func failure(_ rc: CURLcode) -> HTTPTransportError {
        var detail =
            errorBuffer[0] != 0 ? String(cString: UnsafePointer(errorBuffer)) : String(cString: curl_easy_strerror(rc))
        if rc == CURLE_SSL_CONNECT_ERROR {
            // OpenSSL's own words ("wrong version number") say little to most readers.
            detail =
                "the TLS handshake failed: the server does not speak TLS at that address (is it an http:// "
                + "server?), or refused the connection's TLS (\(detail))"
        }
        let permanent = [
            CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT, CURLE_COULDNT_RESOLVE_HOST,
            CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE,
        ].contains(rc)
        return HTTPTransportError(
            code: Int(rc.rawValue), message: detail, isTimeout: rc == CURLE_OPERATION_TIMEDOUT,
            isAborted: rc == CURLE_ABORTED_BY_CALLBACK, isPermanent: permanent)
    }
}

/// Receives libcurl's callbacks for one transfer.
final class ResponseCollector {
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    var file: Int32?
    var beforeReconnect: (@Sendable () -> Void)?
}

private func curlWriteBody(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let context else { return 0 }
    let collector = Unmanaged<ResponseCollector>.fromOpaque(context).takeUnretainedValue()
    if let file = collector.file {
        var written = 0
        while written < size * count {
            let n = write(file, data + written, size * count - written)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return 0 }  // a short count makes libcurl fail the transfer
            written += n
        }
        return written
    }
    data.withMemoryRebound(to: UInt8.self, capacity: size * count) {
        collector.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: size * count))
    }
    return size * count
}

private func curlProgress(
    _ context: UnsafeMutableRawPointer?, _: curl_off_t, _: curl_off_t, _: curl_off_t, _: curl_off_t
) -> Int32 {
    guard let context else { return 0 }
    return Unmanaged<AbortSignal>.fromOpaque(context).takeUnretainedValue().isRaised ? 1 : 0
}

private func curlWriteHeader(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let context else { return 0 }
    let collector = Unmanaged<ResponseCollector>.fromOpaque(context).takeUnretainedValue()
    let line = data.withMemoryRebound(to: UInt8.self, capacity: size * count) {
        String(decoding: UnsafeBufferPointer(start: $0, count: size * count), as: UTF8.self)
    }
    if line.hasPrefix("HTTP/") { collector.headers.removeAll() }
    if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: " \t\r\n")
        collector.headers[name] = value
    }
    return size * count
}

/// Called by libcurl for each socket it opens; in a transfer that was to reuse a connection,
/// a new one means a reconnect (and possibly a resend of the request).
private func curlSocketOpened(_ context: UnsafeMutableRawPointer?, _ socket: curl_socket_t, _ purpose: curlsocktype)
    -> Int32
{
    guard let context, purpose == CURLSOCKTYPE_IPCXN else { return Int32(CURL_SOCKOPT_OK) }
    Unmanaged<ResponseCollector>.fromOpaque(context).takeUnretainedValue().beforeReconnect?()
    return Int32(CURL_SOCKOPT_OK)
}
