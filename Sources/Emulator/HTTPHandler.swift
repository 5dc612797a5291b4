import Dispatch
import NIOCore
import NIOHTTP1
import SyncCore

/// Collects one request (refusing bodies over the limit with 413), hands it to the service,
/// and writes the answer, late when latency is injected, or closes without one. The service
/// (the store's SQLite work) runs off the event loop, so the loop keeps reading the other
/// connections and a request's arrival time is when it really arrived, as a strict rate
/// limiter counts it.
/// (Unchecked: NIO calls it on its channel's event loop only; the work sent off the loop
/// takes the request's values, and the answer comes back through `NIOLoopBound`.)
final class HTTPHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    /// Bodies larger than this are refused with 413 (documented in the README).
    static let maxBodyBytes = 4 << 20

    private let service: EmulatorService
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    private var tooLarge = false

    init(service: EmulatorService) { self.service = service }

    func channelActive(context: ChannelHandlerContext) {
        service.openConnections.add(1, ordering: .relaxed)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        service.openConnections.subtract(1, ordering: .relaxed)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body.removeAll(keepingCapacity: true)
            tooLarge = h.headers.first(name: "content-length").flatMap(Int.init).map { $0 > Self.maxBodyBytes } ?? false
        case .body(var chunk):
            guard !tooLarge else { return }
            if body.count + chunk.readableBytes > Self.maxBodyBytes {
                tooLarge = true
                body.removeAll()
            } else if let bytes = chunk.readBytes(length: chunk.readableBytes) {
                body.append(contentsOf: bytes)
            }
        case .end:
            guard let head else { return }
            self.head = nil
            if tooLarge {
                let text =
                    "{\"error\":{\"code\":\"payload_too_large\",\"message\":\"bodies are limited to "
                    + "\(Self.maxBodyBytes) bytes\"}}"
                respond(
                    context: context, head: head, status: 413, headers: ["Content-Type: application/json"],
                    body: Array(text.utf8), close: true)
                return
            }
            let path = String(head.uri.split(separator: "?", maxSplits: 1).first ?? "")
            // Stamped with its arrival here, on the event loop, before any queueing.
            let request = EmulatorRequest(
                method: head.method.rawValue, path: path,
                headers: head.headers.map { ($0.name, $0.value) }, body: body)
            let service = self.service
            let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            let eventLoop = context.eventLoop
            service.handling.add(1, ordering: .relaxed)
            DispatchQueue.global().async {
                let action = service.handle(request)
                service.handling.subtract(1, ordering: .relaxed)
                let delay = request.path.hasPrefix("/v2/") ? service.latencyMilliseconds : 0
                eventLoop.scheduleTask(in: .milliseconds(Int64(delay))) {
                    let (handler, ctx) = loopBound.value
                    switch action {
                    case .drop:
                        ctx.close(promise: nil)
                    case .respond(let status, let headers, let body):
                        handler.respond(
                            context: ctx, head: head, status: status, headers: headers, body: body,
                            close: !head.isKeepAlive)
                    }
                }
            }
        }
    }

    private func respond(
        context: ChannelHandlerContext, head: HTTPRequestHead, status: Int, headers: [String], body: [UInt8],
        close: Bool
    ) {
        var fields = HTTPHeaders()
        for line in headers {
            let parts = line.split(separator: ":", maxSplits: 1)
            fields.add(name: String(parts[0]), value: String(parts[1].drop { $0 == " " }))
        }
        fields.add(name: "Content-Length", value: String(body.count))
        fields.add(name: "Connection", value: close ? "close" : "keep-alive")
        let responseHead = HTTPResponseHead(
            version: head.version, status: HTTPResponseStatus(statusCode: status), headers: fields)
        context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
        var buffer = context.channel.allocator.buffer(capacity: body.count)
        buffer.writeBytes(body)
        context.write(wrapOutboundOut(.body(.byteBuffer(buffer))), promise: nil)
        let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if close {
            let channel = context.channel
            done.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A malformed request line or header: answer nothing more, drop the connection.
        context.close(promise: nil)
    }
}
