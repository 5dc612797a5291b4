import NIOCore
import NIOHTTP1
import NIOPosix

/// The HTTP server around an `EmulatorService`.
public final class EmulatorServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: Channel
    public let port: Int
    public let host: String

    public init(service: EmulatorService, host: String, port: Int) throws {
        group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(HTTPHandler(service: service))
                }
            }
            .childChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
        self.host = host
        self.port = channel.localAddress?.port ?? port
    }

    /// The URL clients use, e.g. `http://127.0.0.1:8080` (brackets for IPv6).
    public var url: String { host.contains(":") ? "http://[\(host)]:\(port)" : "http://\(host):\(port)" }

    /// Blocks until the server is closed.
    public func wait() throws {
        try channel.closeFuture.wait()
    }

    public func close() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}
