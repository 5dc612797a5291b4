import ArgumentParser
import ConversionAPI
import Dispatch
import Emulator
import EmulatorStore
import JSONCodec
import SyncCore
import ToolRuntime
import StreamIO

#if canImport(Glibc)
    import Glibc
#endif

@main
struct CvEmulator: ToolCommand {
    static let toolName = "cv-emulator"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract: "A local Conversion API server with a real store, for offline syncs, demos and tests.",
        discussion: """
            API (as docs/api.md describes it)
              POST /v2/contacts, /v2/contacts/batch (1..1000), /v2/events,
              /v2/events/batch (1..200), /v2/objects/{type}/batch (1..200). X-API-Key
              required; Content-Type application/json; bodies over 4 MiB get 413, JSON
              nested deeper than 64 levels gets 400.

            INSPECTION
              GET  /_emulator/health, /_emulator/contacts, /_emulator/events,
                   /_emulator/objects/{type}, /_emulator/faults, /_emulator/requests
                   (method, path, status, items; never the API key)
              POST /_emulator/reset
              POST /_emulator/object-types {"name":"gadget","fields":{...}}
                   creates an object type
              POST /_emulator/faults {"rateLimit":10,"errorRate":0.3,...}; also
                   windowLimit (N per sliding second), poison (a text whose requests
                   always fail), invalidAnswers (html, empty, object, data or short:
                   200 answers that are no batch result)

            OUTPUT
              The bound URL (http://HOST:PORT) as the first line of stdout, then
              nothing: scripts read it.

            EXIT STATUS
              0  stopped by SIGINT/SIGTERM
              1  could not bind or open the store
              2  usage or schema error

            EXAMPLES
              cv-emulator --port 8080 --db workspace.db --schema schema.json
              URL=$(cv-emulator --port 0 | head -n 1) ...
              curl -s "$URL/_emulator/contacts" | jq length
            """,
        version: ToolVersion.text)

    @Option(help: "Address to listen on (loopback only unless you say otherwise).")
    var host = "127.0.0.1"

    @Option(help: "Port; 0 picks a free one.")
    var port = 0

    @Option(help: "SQLite file to keep the workspace in (default: in memory).")
    var db: String?

    @Option(help: "Schema file (JSON) naming fields and object types, as cv-map reads it (default: built-in).")
    var schema: String?

    @Option(
        help: "The only API key accepted (default: any non-empty key). For local tests only: prefer --api-key-file.")
    var apiKey: String?

    @Option(help: "Read the accepted API key from this file.")
    var apiKeyFile: String?

    @Option(help: "Requests per second before answering 429 with Retry-After (default: no limit).")
    var rateLimit: Double?

    @Option(
        help: "Requests in any sliding second before answering 429: the strictest way to count a limit (default: none)."
    )
    var windowLimit: Int?

    @Option(help: "Fraction of requests answered --error-status without processing.")
    var errorRate = 0.0

    @Option(help: "Status for injected errors, 500 to 599.")
    var errorStatus = 500

    @Option(help: "Milliseconds added before every API answer.")
    var latencyMs = 0

    @Option(help: "Fraction of requests whose connection is closed without an answer.")
    var dropRate = 0.0

    @Option(help: "Fraction of requests stored and then answered 500.")
    var failAfterProcessingRate = 0.0

    @Option(help: "Seed of the fault dice, for reproducible runs.")
    var seed: UInt64 = 42

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        var plan = FaultPlan()
        var given: JSONObjectBuilder = [:]
        if let rateLimit { given["rateLimit"] = .number(String(rateLimit)) }
        if let windowLimit { given["windowLimit"] = .number(String(windowLimit)) }
        given["errorRate"] = .number(String(errorRate))
        given["errorStatus"] = .number(String(errorStatus))
        given["latencyMs"] = .number(String(latencyMs))
        given["dropRate"] = .number(String(dropRate))
        given["failAfterProcessingRate"] = .number(String(failAfterProcessingRate))
        given["seed"] = .number(String(seed))
        try plan.update(from: given)
        let key =
            try apiKeyFile.map { path throws(InputError) in try TextFile.readSecret(path) } ?? apiKey
            ?? TextFile.environment("CV_EMULATOR_API_KEY")
        let loaded =
            try schema.map { path throws(SchemaError) in try WorkspaceSchema.load(path: path) } ?? .builtIn
        let store = try EmulatorStore(path: db, schema: loaded)
        let server = try EmulatorServer(
            service: EmulatorService(store: store, apiKey: key, faults: plan), host: host, port: port)
        print(server.url)
        fflush(nil)
        diagnostics.note("listening on \(server.url)" + (db.map { ", store \($0)" } ?? ", store in memory"))
        let stop = DispatchSemaphore(value: 0)
        let signals = SignalWatcher { _ in stop.signal() }
        stop.wait()
        signals.cancel()
        server.close()
        diagnostics.note("stopped")
        return .success
    }

    static func main() { ToolMain.main(CvEmulator.self) }
}

typealias JSONObjectBuilder = JSONCodec.JSONObject
