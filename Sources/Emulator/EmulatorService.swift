import ConversionAPI
import EmulatorStore
import JSONCodec
import Synchronization
import SyncCore

/// One HTTP request as the emulator sees it.
public struct EmulatorRequest: Sendable {
    public var method: String
    public var path: String
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    /// When the request arrived (monotonic seconds): what a rate limit counts.
    public var arrival: Double

    public init(method: String, path: String, headers: [(name: String, value: String)], body: [UInt8]) {
        arrival = monotonicSeconds()
        self.method = method
        self.path = path
        self.headers = headers
        self.body = body
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// What to do with a request: answer it (possibly late), or close the connection silently.
public enum EmulatorAction: Sendable, Equatable {
    case respond(status: Int, headers: [String], body: [UInt8])
    case drop
}

/// Routes requests to the API, the inspection endpoints, and the fault plan.
public final class EmulatorService: Sendable {
    public let store: EmulatorStore
    let apiKey: String?
    let faults: FaultState
    /// Client connections open, and requests taken in but not yet handled: both 0 means that
    /// everything any client sent has been read and handled (`GET /_emulator/activity`).
    let openConnections = Atomic<Int>(0)
    let handling = Atomic<Int>(0)
    /// Requests nested deeper than this are refused before they reach the store.
    public static let maxDepth = 64

    public init(store: EmulatorStore, apiKey: String?, faults: FaultPlan) {
        self.store = store
        self.apiKey = apiKey
        self.faults = FaultState(faults)
    }

    public var latencyMilliseconds: Int { faults.latency }

    public func handle(_ request: EmulatorRequest) -> EmulatorAction {
        if request.path.hasPrefix("/_emulator/") || request.path == "/_emulator" { return inspect(request) }
        guard request.path.hasPrefix("/v2/") else {
            return Self.json(404, APIError.notFound("no endpoint \(request.path)").envelope)
        }
        let (action, items, note) = api(request)
        switch action {
        case .respond(let status, _, _):
            // nil: the store logged it with what it stored, in the same transaction.
            if let items {
                store.logRequest(method: request.method, path: request.path, status: status, items: items, note: note)
            }
        case .drop:
            store.logRequest(method: request.method, path: request.path, status: 0, items: 0, note: "dropped")
        }
        return action
    }

    /// The answer, and the item count and note to log it with (no count: the store has logged it).
    private func api(_ request: EmulatorRequest) -> (EmulatorAction, Int?, String?) {
        guard request.method == "POST" else {
            return (Self.json(405, APIError(status: 405, code: "method_not_allowed", "use POST").envelope), 0, nil)
        }
        guard let key = request.header(APIContract.apiKeyHeader), !key.isEmpty, apiKey == nil || key == apiKey else {
            return (Self.json(401, APIError.unauthorized("missing or invalid X-API-Key").envelope), 0, nil)
        }
        var failAfter = false
        var shortAnswer = false
        switch faults.decide(body: request.body, arrival: request.arrival) {
        case .drop: return (.drop, 0, "dropped")
        case .rateLimited(let seconds):
            let error = APIError(status: 429, code: "rate_limited", "rate limit exceeded; retry after \(seconds)s")
            return (Self.json(429, error.envelope, headers: ["Retry-After: \(seconds)"]), 0, "rate limited")
        case .error(let status):
            let error = APIError(status: status, code: "internal_error", "injected failure")
            return (Self.json(status, error.envelope), 0, "injected \(status)")
        case .invalidAnswer(let body):
            return (
                .respond(status: 200, headers: ["Content-Type: text/html"], body: body), 0, "invalid answer (fault)"
            )
        case .proceed(let after, let short):
            failAfter = after
            shortAnswer = short
        }
        guard let type = request.header("Content-Type"), type.lowercased().hasPrefix("application/json") else {
            return (Self.json(400, APIError.invalidRequest("Content-Type must be application/json").envelope), 0, nil)
        }
        // The body is read in place from its tape while its bytes are alive: no tree per item.
        let handled: Result<EmulatorStore.Outcome, Error>
        var tape = JSONTape()
        do {
            try JSONParser(maxDepth: Self.maxDepth).parse(request.body.span, into: &tape)
            handled = Result {
                try store.handle(method: request.method, path: request.path, body: tape) { outcome in
                    if failAfter { return (500, "failed after processing") }
                    if shortAnswer, outcome.hasResults { return (200, "short answer (fault)") }
                    return (200, nil)
                }
            }
        } catch {
            handled = .failure(APIError.invalidRequest("body is not valid JSON: \(error)"))
        }
        switch handled {
        case .success(let outcome):
            if failAfter {
                return (Self.json(500, APIError.internalError("injected failure after processing").envelope), nil, nil)
            }
            return (Self.json(200, outcome.body(droppingLastResult: shortAnswer && outcome.hasResults)), nil, nil)
        case .failure(let error as APIError):
            return (Self.json(error.status, error.envelope), 0, nil)
        case .failure(let error):
            return (Self.json(500, APIError.internalError("\(error)").envelope), 0, nil)
        }
    }

    private func inspect(_ request: EmulatorRequest) -> EmulatorAction {
        do {
            switch (request.method, request.path) {
            case ("GET", "/_emulator/health"): return Self.json(200, .object(["status": .string("ok")]))
            case ("GET", "/_emulator/contacts"): return Self.json(200, try store.contacts())
            case ("GET", "/_emulator/events"): return Self.json(200, try store.events())
            case ("GET", "/_emulator/requests"): return Self.json(200, try store.requests())
            case ("GET", "/_emulator/faults"): return Self.json(200, faults.current.json)
            case ("GET", "/_emulator/activity"):
                // Less the asking connection and this request.
                return Self.json(
                    200,
                    .object([
                        "connections": .number(String(openConnections.load(ordering: .relaxed) - 1)),
                        "handling": .number(String(handling.load(ordering: .relaxed) - 1)),
                    ]))
            case ("POST", "/_emulator/reset"):
                try store.reset()
                return Self.json(200, .object(["reset": .bool(true)]))
            case ("POST", "/_emulator/faults"):
                var plan = faults.current
                let value = try JSONValue.parse(request.body.span, maxDepth: 8)
                guard case .object(let object) = value else {
                    throw FaultPlanError.notAnObject
                }
                // The members given change those faults; an empty object clears them all.
                if object.isEmpty { plan = FaultPlan() }
                try plan.update(from: object)
                faults.replace(plan)
                return Self.json(200, plan.json)
            case ("POST", "/_emulator/object-types"):
                // {"name":"product","fields":{…},"relationshipFields":{…}}: the type now exists.
                let value = try JSONValue.parse(request.body.span, maxDepth: 8)
                guard let name = value.objectValue?["name"]?.stringValue else {
                    throw SchemaError.wrongShape(schema: "request", at: "name", expected: "an object type key")
                }
                guard APIContract.isObjectTypeKey(name) else {
                    throw SchemaError.invalidObjectTypeKey(schema: "request", type: name)
                }
                store.addObjectType(name, try WorkspaceSchema.objectType(value, at: name, name: "request"))
                return Self.json(200, .object(["created": .string(name)]))
            case ("GET", let path) where path.hasPrefix("/_emulator/objects/"):
                return Self.json(200, try store.objects(type: String(path.dropFirst("/_emulator/objects/".count))))
            default:
                return Self.json(
                    404, APIError.notFound("no inspection endpoint \(request.method) \(request.path)").envelope)
            }
        } catch let error as ToolError where error.exitStatus == .usage {
            // A plan or a schema that cannot be taken: the caller's request, not the emulator, is wrong.
            return Self.json(400, APIError.invalidRequest(error.message).envelope)
        } catch let error as JSONSyntaxError {
            return Self.json(400, APIError.invalidRequest("body is not valid JSON: \(error)").envelope)
        } catch {
            return Self.json(500, APIError.internalError("\(error)").envelope)
        }
    }

    static func json(_ status: Int, _ value: JSONValue, headers: [String] = []) -> EmulatorAction {
        var w = JSONWriter(capacity: 256)
        w.writeValue(value)
        return json(status, w.bytes.array, headers: headers)
    }

    static func json(_ status: Int, _ body: [UInt8], headers: [String] = []) -> EmulatorAction {
        .respond(status: status, headers: ["Content-Type: application/json"] + headers, body: body)
    }
}
