import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A loopback HTTP/1.1 server for the vendor endpoints no emulator provides (token endpoints,
/// documented response sequences): each request is answered by `handler`, one request per
/// connection, and every request is recorded for the test to inspect, in the order its
/// connection was accepted (a request whose transfer the client aborted may finish arriving
/// after a later one; acceptance order is the order the client sent them).
final class StubHTTPServer: @unchecked Sendable {
    struct Request {
        var method: String
        var path: String
        var headers: [String: String]
        var body: String
    }

    struct Response {
        var status: Int
        var headers: [String: String] = ["Content-Type": "application/json"]
        var body: String

        init(_ status: Int, _ body: String, headers: [String: String] = ["Content-Type": "application/json"]) {
            self.status = status
            self.body = body
            self.headers = headers
        }
    }

    let port: Int
    private let socketFD: Int32
    private let lock = NSLock()
    private var recorded: [(connection: Int, request: Request)] = []
    private let handler: @Sendable (Request) -> Response
    private var stopped = false

    var url: String { "http://127.0.0.1:\(port)" }

    var requests: [Request] { lock.withLock { recorded.sorted { $0.connection < $1.connection }.map(\.request) } }

    init(handler: @escaping @Sendable (Request) -> Response) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        socketFD = fd
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw NSError(domain: "stub", code: Int(errno)) }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    deinit { stop() }

    func stop() {
        lock.withLock { stopped = true }
        shutdown(socketFD, Int32(SHUT_RDWR))
        close(socketFD)
    }

    private func acceptLoop() {
        var connection = 0
        while true {
            let client = accept(socketFD, nil, nil)
            if client < 0 {
                if lock.withLock({ stopped }) { return }
                continue
            }
            connection += 1
            let number = connection
            Thread.detachNewThread { [self] in serve(client, connection: number) }
        }
    }

    private func serve(_ client: Int32, connection: Int) {
        defer { close(client) }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int?
        while headerEnd == nil {
            let n = read(client, &buffer, buffer.count)
            guard n > 0 else { return }
            data += buffer[0..<n]
            headerEnd = data.firstRange(of: [13, 10, 13, 10])?.upperBound
        }
        let head = String(decoding: data[..<headerEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let requestLine = head[0].split(separator: " ")
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while data.count - headerEnd! < length {
            let n = read(client, &buffer, buffer.count)
            guard n > 0 else { return }
            data += buffer[0..<n]
        }
        let request = Request(
            method: String(requestLine[0]), path: String(requestLine.count > 1 ? requestLine[1] : "/"),
            headers: headers,
            body: String(decoding: data[headerEnd!..<(headerEnd! + length)], as: UTF8.self))
        lock.withLock { recorded.append((connection, request)) }
        let response = handler(request)
        var text =
            "HTTP/1.1 \(response.status) Stub\r\nConnection: close\r\nContent-Length: \(response.body.utf8.count)\r\n"
        for (k, v) in response.headers { text += "\(k): \(v)\r\n" }
        let bytes = Array((text + "\r\n" + response.body).utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { write(client, $0.baseAddress, $0.count) }
            guard n > 0 else { return }
            sent += n
        }
    }
}
