import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// A redis-server of one test's own (Debian's `redis-server`), on a free loopback port, with no
/// persistence; stopped at the end, or mid-test to see what a client does without it.
final class RedisProcess {
    let process: Launched
    let port: Int
    var url: String { "redis://127.0.0.1:\(port)/0" }

    init() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server") else {
            if ProcessInfo.processInfo.environment["CV_REQUIRE_SERVERS"] == "1" {
                XCTFail("redis-server is not installed although CV_REQUIRE_SERVERS=1 (scripts/setup installs it)")
            }
            throw XCTSkip("no redis-server: scripts/setup installs it")
        }
        port = try LoopbackPort.free()
        process = try Launcher.start([
            "/usr/bin/redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--dir", NSTemporaryDirectory(), "--logfile", "",
        ])
        let ready = try Waits.until {
            (try? Launcher.run(["redis-cli", "-p", String(self.port), "PING"]))?.1 == "PONG\n"
        }
        guard ready else {
            throw NSError(domain: "redis", code: 1, userInfo: [NSLocalizedDescriptionKey: process.stdout])
        }
    }

    func stop() { process.stop() }
}

/// Ports on 127.0.0.1 for the servers tests start.
enum LoopbackPort {
    /// A port nothing listens on now (the kernel's choice for a socket bound to port 0).
    static func free() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        guard bound else { throw NSError(domain: "port", code: 2) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
