import RedisClient
import Synchronization

/// A budget's SendWindow in Redis, shared by every host that syncs into one workspace. One Lua
/// script reserves each send atomically on the Redis server's clock (so hosts need not agree
/// on the time) and answers how long to wait. When Redis cannot answer, `reserve` returns nil
/// at once and the caller uses its host's window; a new connection is tried every few seconds.
final class RedisWindow: Sendable {
    static let retryAfterNanoseconds: Int64 = 5_000_000_000
    static let timeoutMilliseconds = 500

    /// The rule of SendWindow.reserve, in Redis' Lua, in microseconds. KEYS[1] holds the send
    /// times (a list, ascending), KEYS[2] the end of a pause. Both carry one hash tag, so a
    /// Redis Cluster keeps them on one node. The last argument is the stale horizon.
    static let script = """
        if redis.replicate_commands then redis.replicate_commands() end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
        local horizon = tonumber(ARGV[#ARGV])
        local pause = tonumber(redis.call('GET', KEYS[2]) or '0')
        if pause - now > horizon then pause = 0 end
        if ARGV[1] == 'pause' then
          local target = now + tonumber(ARGV[2])
          if target > pause then
            redis.call('SET', KEYS[2], string.format('%.0f', target), 'PX', math.ceil(tonumber(ARGV[2]) / 1000) + 1)
          end
          return 0
        end
        local limit, window, capacity = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
        local n = redis.call('LLEN', KEYS[1])
        local last = 0
        if n > 0 then last = tonumber(redis.call('LINDEX', KEYS[1], -1)) end
        if last - now > horizon then redis.call('DEL', KEYS[1]); n = 0; last = 0 end
        local slot = math.max(now, pause, last)
        if n >= limit then slot = math.max(slot, tonumber(redis.call('LINDEX', KEYS[1], -limit)) + window) end
        redis.call('RPUSH', KEYS[1], string.format('%.0f', slot))
        redis.call('LTRIM', KEYS[1], -capacity, -1)
        redis.call('PEXPIRE', KEYS[1], math.ceil((slot - now + window) / 1000) + 1000)
        return slot - now
        """

    private struct State {
        var connection: RedisConnection?
        var retryAt: Int64 = 0
        var down = false
    }

    let endpoint: RedisEndpoint
    private let password: String?
    private let keys: [String]
    private let state = Mutex(State())
    private let say: @Sendable (String) -> Void

    /// `name` tells budgets apart (a fingerprint of the key and URL, never the key).
    init(endpoint: RedisEndpoint, password: String?, name: String, say: @escaping @Sendable (String) -> Void) {
        self.endpoint = endpoint
        self.password = password
        keys = ["cv-load:{\(name)}:sends", "cv-load:{\(name)}:pause"]
        self.say = say
    }

    /// Nanoseconds to wait for the reserved send, or nil when Redis did not answer.
    func reserve(limit: Int, window: Int64) -> Int64? {
        run(["reserve", String(limit), String(window / 1000), String(SendWindow.capacity)]).map { $0 * 1000 }
    }

    /// False when Redis did not answer (the caller pauses its host's window instead).
    func pause(nanoseconds: Int64) -> Bool { run(["pause", String(nanoseconds / 1000)]) != nil }

    private func run(_ arguments: [String]) -> Int64? {
        state.withLock { state in
            let now = HostWindow.now()
            do throws(RedisError) {
                if state.connection == nil {
                    guard now >= state.retryAt else { return nil }
                    state.connection = try RedisConnection(
                        endpoint, password: password, timeoutMilliseconds: Self.timeoutMilliseconds)
                }
                let reply = try state.connection?.command(
                    ["EVAL", Self.script, "2"] + keys + arguments + [String(HostWindow.horizon / 1000)])
                guard case .integer(let value) = reply else {
                    if case .error(let message) = reply { throw RedisError(message: message) }
                    throw RedisError(message: "an answer that is not a number")
                }
                if state.down {
                    state.down = false
                    say("the rate budget at \(endpoint.display) answers again; it is shared again")
                }
                return value
            } catch {
                state.connection = nil
                state.retryAt = now + Self.retryAfterNanoseconds
                if !state.down {
                    state.down = true
                    say(
                        "the rate budget at \(endpoint.display) did not answer (\(error.message)); this host's budget "
                            + "is used until it does")
                }
                return nil
            }
        }
    }
}
