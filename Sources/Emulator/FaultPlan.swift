import Hashing
import JSONCodec
import SyncCore
import Synchronization

/// Hostile-server behaviour to test clients against (flags, or POST /_emulator/faults).
public struct FaultPlan: Sendable, Equatable {
    /// Requests per second before 429 with Retry-After; nil means no limit.
    public var rateLimit: Double?
    /// Fraction of requests answered `errorStatus` without being processed.
    public var errorRate = 0.0
    public var errorStatus = 500
    /// Added before every answer.
    public var latencyMilliseconds = 0
    /// Fraction of connections closed without an answer.
    public var dropRate = 0.0
    /// Fraction of requests stored, then answered 500 (the case that makes idempotency matter).
    public var failAfterProcessingRate = 0.0
    public var seed: UInt64 = 42
    /// Requests whose body contains this text are answered `errorStatus` every time, unprocessed
    /// (a record the server chokes on).
    public var poison: String?
    /// Every API request is answered 200 with a body that is not a batch result: "html", "empty",
    /// "object" (`{}`), "data" (`{"data":{}}`) unprocessed, or "short" (processed, one result missing).
    public var invalidAnswers: String?
    /// At most this many requests in any one-second window (a sliding window, as strict
    /// servers count); more get 429 with Retry-After.
    public var windowLimit: Int?

    public static let invalidAnswerKinds = ["html", "empty", "object", "data", "short"]

    public init() {}

    public var json: JSONValue {
        .object([
            "rateLimit": rateLimit.map { .number(String($0)) } ?? .null, "errorRate": .number(String(errorRate)),
            "errorStatus": .number(String(errorStatus)), "latencyMs": .number(String(latencyMilliseconds)),
            "dropRate": .number(String(dropRate)), "failAfterProcessingRate": .number(String(failAfterProcessingRate)),
            "seed": .number(String(seed)), "poison": poison.map(JSONValue.string) ?? .null,
            "invalidAnswers": invalidAnswers.map(JSONValue.string) ?? .null,
            "windowLimit": windowLimit.map { .number(String($0)) } ?? .null,
        ])
    }

    /// Applies the members present in `object`; unknown members or bad values are refused.
    public mutating func update(from object: JSONObject) throws(FaultPlanError) {
        for (key, value) in object.members {
            let read = FaultValue(name: key, value: value)
            switch key {
            case "rateLimit": rateLimit = try read.optional { v throws(FaultPlanError) in try v.positive() }
            case "windowLimit":
                windowLimit = try read.optional { v throws(FaultPlanError) in Int(try v.integer(in: 1...Int.max)) }
            case "errorRate": errorRate = try read.fraction()
            case "dropRate": dropRate = try read.fraction()
            case "failAfterProcessingRate": failAfterProcessingRate = try read.fraction()
            case "errorStatus": errorStatus = Int(try read.integer(in: 500...599))
            case "latencyMs": latencyMilliseconds = Int(try read.integer(in: 0...60_000))
            case "seed":
                guard case .number(let t) = value, let n = UInt64(t) else {
                    throw .invalidValue(fault: key, expected: "a non-negative integer")
                }
                seed = n
            case "poison": poison = try read.optional { v throws(FaultPlanError) in try v.text() }
            case "invalidAnswers":
                invalidAnswers = try read.optional { v throws(FaultPlanError) in
                    try v.text(oneOf: Self.invalidAnswerKinds)
                }
            default:
                throw .unknownFault(key)
            }
        }
    }
}

/// One member of a faults object, read as the fault it names expects.
private struct FaultValue {
    let name: String
    let value: JSONValue

    /// null clears the fault; anything else is read by `read`.
    func optional<T>(_ read: (FaultValue) throws(FaultPlanError) -> T) throws(FaultPlanError) -> T? {
        value.isNull ? nil : try read(self)
    }

    func fraction() throws(FaultPlanError) -> Double {
        guard case .number(let t) = value, let d = Double(t), (0...1).contains(d) else {
            throw .invalidValue(fault: name, expected: "a number from 0 to 1")
        }
        return d
    }

    func positive() throws(FaultPlanError) -> Double {
        guard case .number(let t) = value, let d = Double(t), d > 0 else {
            throw .invalidValue(fault: name, expected: "a positive number or null")
        }
        return d
    }

    func integer(in range: ClosedRange<Int>) throws(FaultPlanError) -> Int {
        guard case .number(let t) = value, let n = Int(t), range.contains(n) else {
            let expected =
                range.upperBound == Int.max
                ? "a positive integer or null" : "\(range.lowerBound) to \(range.upperBound)"
            throw .invalidValue(fault: name, expected: expected)
        }
        return n
    }

    func text(oneOf kinds: [String]? = nil) throws(FaultPlanError) -> String {
        guard let text = value.stringValue, !text.isEmpty, kinds?.contains(text) ?? true else {
            let expected = kinds.map { "one of \($0.joined(separator: ", ")) or null" } ?? "a non-empty string or null"
            throw .invalidValue(fault: name, expected: expected)
        }
        return text
    }
}

/// The live state behind a plan: a token bucket and a seeded random source, shared by all
/// connections under a lock.
final class FaultState: Sendable {
    private let live: Mutex<Live>

    init(_ plan: FaultPlan) { live = Mutex(Live(plan)) }

    var current: FaultPlan { live.withLock { $0.plan } }

    func replace(_ new: FaultPlan) { live.withLock { $0 = Live(new) } }

    enum Decision: Equatable {
        case proceed(failAfter: Bool, shortAnswer: Bool)
        case invalidAnswer(body: [UInt8])
        case rateLimited(retryAfter: Int)
        case error(status: Int)
        case drop
    }

    /// Decides the fate of one API request that arrived at `arrival`; requests may be decided
    /// a little out of arrival order (the store serves them from several threads).
    func decide(body: [UInt8], arrival: Double = monotonicSeconds()) -> Decision {
        live.withLock { $0.decide(body: body, arrival: arrival) }
    }

    var latency: Int { live.withLock { $0.plan.latencyMilliseconds } }

    private struct Live {
        var plan: FaultPlan
        var tokens: Double
        var lastRefill = monotonicSeconds()
        var random: SplitMix64
        /// Arrival times of the requests let through lately (sliding window).
        var window: [Double] = []

        init(_ plan: FaultPlan) {
            self.plan = plan
            tokens = plan.rateLimit ?? 0
            random = SplitMix64(seed: plan.seed)
        }

        mutating func decide(body: [UInt8], arrival: Double) -> Decision {
            if let limit = plan.windowLimit {
                window.removeAll { $0 <= arrival - 2 }
                if window.filter({ $0 > arrival - 1 && $0 <= arrival }).count >= limit {
                    return .rateLimited(retryAfter: 1)
                }
                window.append(arrival)
            }
            if let rate = plan.rateLimit {
                let now = monotonicSeconds()
                tokens = min(rate, tokens + (now - lastRefill) * rate)
                lastRefill = now
                if tokens < 1 { return .rateLimited(retryAfter: max(1, Int(((1 - tokens) / rate).rounded(.up)))) }
                tokens -= 1
            }
            if plan.dropRate > 0 && nextFraction() < plan.dropRate { return .drop }
            if plan.errorRate > 0 && nextFraction() < plan.errorRate { return .error(status: plan.errorStatus) }
            if let poison = plan.poison, Self.contains(body, Array(poison.utf8)) {
                return .error(status: plan.errorStatus)
            }
            switch plan.invalidAnswers {
            case "html":
                return .invalidAnswer(body: Array("<!doctype html><html><body><h1>Welcome</h1></body></html>".utf8))
            case "empty": return .invalidAnswer(body: [])
            case "object": return .invalidAnswer(body: Array("{}".utf8))
            case "data": return .invalidAnswer(body: Array(#"{"data":{}}"#.utf8))
            default: break
            }
            return .proceed(
                failAfter: plan.failAfterProcessingRate > 0 && nextFraction() < plan.failAfterProcessingRate,
                shortAnswer: plan.invalidAnswers == "short")
        }

        private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
            guard !needle.isEmpty, haystack.count >= needle.count else { return false }
            for start in 0...(haystack.count - needle.count) where haystack[start] == needle[0] {
                if haystack[start..<start + needle.count].elementsEqual(needle) { return true }
            }
            return false
        }

        /// Reproducible for a given seed.
        private mutating func nextFraction() -> Double { random.nextFraction() }
    }
}

/// A fault plan (`--faults`, or a POST to /_emulator/faults) that cannot be applied: exit 2 on
/// the command line, a 400 answer over HTTP.
public enum FaultPlanError: ToolError, Equatable {
    case invalidValue(fault: String, expected: String)
    case unknownFault(String)
    case notAnObject

    public var exitStatus: ExitStatus { .usage }

    public var message: String {
        switch self {
        case .invalidValue(let fault, let expected):
            return "'\(fault)' must be \(expected)"
        case .unknownFault(let name):
            return "unknown fault '\(name)' (rateLimit, windowLimit, errorRate, errorStatus, latencyMs, dropRate, "
                + "failAfterProcessingRate, poison, invalidAnswers, seed)"
        case .notAnObject:
            return "the body must be a JSON object of faults"
        }
    }
}
