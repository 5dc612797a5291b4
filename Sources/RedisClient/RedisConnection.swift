import CHiredis

#if canImport(Glibc)
    import Glibc
#endif

/// One connection to a Redis server through hiredis, blocking with a timeout on connect and on
/// every command (a server that stops answering must never stall the caller). Used by one
/// thread at a time. Commands go as argument vectors, so values are never parsed as syntax.
public final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>

    /// Connects, then authenticates when `password` is given (and selects `database`).
    public init(_ endpoint: RedisEndpoint, password: String?, timeoutMilliseconds: Int) throws(RedisError) {
        let timeout = timeval(tv_sec: timeoutMilliseconds / 1000, tv_usec: (timeoutMilliseconds % 1000) * 1000)
        guard let context = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), timeout) else {
            throw RedisError(message: "cannot allocate a connection")
        }
        // Freed here, before `self` is whole: a throw after that runs deinit, which frees it.
        if context.pointee.err != 0 {
            let reason = Self.errorText(context)
            redisFree(context)
            throw RedisError(message: "cannot connect to \(endpoint.display): \(reason)")
        }
        self.context = context
        redisSetTimeout(context, timeout)
        if let password {
            let auth = endpoint.user.map { ["AUTH", $0, password] } ?? ["AUTH", password]
            if case .error(let message) = try command(auth) {
                throw RedisError(message: "\(endpoint.display) refused the password (REDISCLI_AUTH): \(message)")
            }
        }
        if endpoint.database != 0, case .error(let message) = try command(["SELECT", String(endpoint.database)]) {
            throw RedisError(message: "\(endpoint.display) has no database \(endpoint.database): \(message)")
        }
    }

    deinit { redisFree(context) }

    /// Sends one command and waits (at most the timeout) for its reply. A Redis error reply is a
    /// value (`.error`); a broken or timed-out connection throws, and the connection is spent.
    public func command(_ arguments: [String]) throws(RedisError) -> RedisReply {
        let bytes = arguments.map { Array($0.utf8) }
        let lengths = bytes.map(\.count)
        let reply: UnsafeMutableRawPointer? = Self.withCStrings(bytes) { pointers in
            var pointers = pointers
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { argvlen in
                    redisCommandArgv(context, Int32(bytes.count), argv.baseAddress, argvlen.baseAddress)
                }
            }
        }
        guard let reply else { throw RedisError(message: Self.errorText(context)) }
        defer { freeReplyObject(reply) }
        return RedisReply(reply.assumingMemoryBound(to: redisReply.self).pointee)
    }

    private static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        let text = withUnsafeBytes(of: context.pointee.errstr) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        return text.isEmpty ? "the connection failed" : text
    }

    /// Pointers to each argument's bytes, alive for the duration of `body`.
    private static func withCStrings<R>(
        _ arguments: [[UInt8]], _ body: ([UnsafePointer<CChar>?]) -> R
    ) -> R {
        var pointers: [UnsafePointer<CChar>?] = []
        func nest(_ index: Int) -> R {
            guard index < arguments.count else { return body(pointers) }
            return arguments[index].withUnsafeBufferPointer { buffer in
                buffer.withMemoryRebound(to: CChar.self) { chars in
                    pointers.append(chars.baseAddress ?? UnsafePointer(bitPattern: 1))
                    return nest(index + 1)
                }
            }
        }
        return nest(0)
    }
}

/// What a command answered.
public enum RedisReply: Equatable, Sendable {
    case integer(Int64)
    case string(String)
    case status(String)
    case error(String)
    case null
    case array([RedisReply])

    init(_ reply: redisReply) {
        switch reply.type {
        case REDIS_REPLY_INTEGER: self = .integer(reply.integer)
        case REDIS_REPLY_NIL: self = .null
        case REDIS_REPLY_ARRAY:
            self = .array(
                (0..<reply.elements).map { i in
                    reply.element[i].map { RedisReply($0.pointee) } ?? .null
                })
        default:
            let text =
                reply.str.map { str in
                    String(decoding: UnsafeRawBufferPointer(start: str, count: reply.len), as: UTF8.self)
                } ?? ""
            switch reply.type {
            case REDIS_REPLY_ERROR: self = .error(text)
            case REDIS_REPLY_STATUS: self = .status(text)
            default: self = .string(text)
            }
        }
    }
}

public struct RedisError: Error, Sendable, Equatable {
    public var message: String
    public init(message: String) { self.message = message }
}
