import ArgumentParser
import ConversionAPI
import CurlHTTP
import Loading
import RedisClient
import SyncCore
import ToolRuntime
import Retrying
import StreamIO

@main
struct CvLoad: ToolCommand {
    static let toolName = "cv-load"
    static let configuration = CommandConfiguration(
        commandName: toolName,
        abstract:
            "Send records to the Conversion API in batches, with rate limiting and retries; every record ends as an "
            + "ack or a reject.",
        usage: """
            cv-load [--api-url URL] [--api-key-file FILE | --api-key-env NAME]
                    [--acks FILE] [--rejects FILE] [--stats FILE]
                    [--batch-size N] [--rate R] [--budget-dir DIR]
                    [--budget-url redis://HOST[:PORT][/DB]]
                    [--max-attempts N] [--concurrency N] [--timeout S]
                    [--ca-bundle FILE] [--dry-run] [FILE]
            cv-load --check [--preflight] [--object-type TYPE] [--api-url URL]
            """,
        discussion: """
            INPUT
              Records (cv-map or cv-dedupe output) from FILE or stdin; contacts, objects
              and events may mix. The API key comes from CONVERSION_API_KEY, the
              variable --api-key-env names, or --api-key-file; never from argv.

            OUTPUT
              --acks FILE: one line per accepted record: its key, type, row, Conversion's
                id (cnvContactId, cnvEventId or cnvObjectId), whether it was created, and
                for objects the relationships that failed.
              --rejects FILE: one line per record not delivered: stage "load", row, code,
                message, retryable, httpStatus, attempts, key and the record as input.
                Codes are Conversion's (invalid_email, contact_not_found, ...),
                http_<status>, server_error, invalid_response, transport_error, timeout,
                not_sent and invalid_record; "retryable" says whether the same record
                can succeed later as it is. Records in = acks + rejects, always.
              --dry-run prints the requests as NDJSON {method, path, body} on stdout and
                sends nothing.

            BEHAVIOUR
              Batches hold up to 1000 contacts, 200 events or 200 objects. No more than
              --rate requests go out in any window of a little over a second (the window
              grows while 429s still come), shared by every cv-load that uses the same
              key and URL: on this machine through --budget-dir, across machines through
              --budget-url (Redis). 429 (after Retry-After),
              5xx, timeouts, dropped connections and 2xx answers that are not batch
              results are retried with exponential backoff and jitter. A batch that
              keeps failing with 5xx is halved until the record the server chokes on is
              alone (server_error); another 4xx on a batch is split the same way.
              401/403, a missing endpoint (404) and object_type_not_found stop the run.
              An event refused with contact_not_found that carries an email gets its
              contact created and is sent once more. Before sending, a record with a
              member twice, a number no double holds, or an object type that is not a
              key is rejected as invalid_record.

            EXIT STATUS
              0  every record acknowledged or rejected for a reason of its own
              1  key refused, endpoint or object type missing, records undelivered after
                 --max-attempts, or SIGINT/SIGTERM (nothing more is sent; every known
                 outcome is written, the rest become retryable not_sent rejects)
              2  usage or configuration error (no API key, bad URL, bad option)

            EXAMPLES
              cv-load --check --object-type product
              cv-dedupe --state s.db --run r1 records.ndjson |
                cv-load --acks acks.ndjson --rejects rejects.ndjson --stats load.json
              cv-load --dry-run records.ndjson | jq -c '.body.contacts[0]'
            """,
        version: ToolVersion.text)

    @Option(help: "API base URL (default: CONVERSION_API_URL, else \(APIContract.productionBaseURL)).")
    var apiUrl: String?

    @Option(help: "Read the API key from the first line of this file (default: CONVERSION_API_KEY).")
    var apiKeyFile: String?

    @Option(
        help: ArgumentHelp(
            "Read the API key from this environment variable instead of CONVERSION_API_KEY (one per workspace).",
            valueName: "NAME"))
    var apiKeyEnv: String?

    @Option(help: "Largest batch; lowers the endpoint limits (1000 contacts, 200 events, 200 objects).")
    var batchSize: Int?

    @Option(help: "Requests per second across all workers (10 is the documented limit; 0 for none).")
    var rate: Double = APIContract.requestsPerSecond

    @Option(
        help:
            ArgumentHelp(
                "Folder of the rate budget shared with other cv-load processes (default: CV_LOAD_BUDGET_DIR, else "
                    + "XDG_RUNTIME_DIR, else /tmp).")
    )
    var budgetDir: String?

    @Option(
        help: ArgumentHelp(
            "A Redis server that keeps the rate budget for every host syncing into the workspace (default: "
                + "CV_LOAD_BUDGET_URL); its password from REDISCLI_AUTH. This host's budget is the fallback.",
            valueName: "redis://HOST[:PORT][/DB]"))
    var budgetUrl: String?

    @Flag(help: "Keep the rate budget to this process instead of sharing it.")
    var privateBudget = false

    @Option(help: "Batches in flight at once.")
    var concurrency: Int = 4

    @Option(help: "Attempts per request before its records are rejected as retryable.")
    var maxAttempts: Int = 6

    @Option(help: "Seconds before one request times out.")
    var timeout: Int = 60

    @Option(help: "Append one ack per accepted record to this file.")
    var acks: String?

    @Option(help: "Append one reject per record not delivered to this file.")
    var rejects: String?

    @OptionGroup var statsFile: StatsOption

    @Flag(help: "Print the requests that would be sent and send nothing.")
    var dryRun = false

    @Flag(help: "Do not send contacts' userId (for workspaces whose API rejects the field).")
    var noUserId = false

    @Flag(help: "Only check that the API answers and accepts the key (an empty batch), then exit.")
    var check = false

    @Flag(
        help: ArgumentHelp(
            "With --check: before a run. Only what a run cannot fix fails it (a refused key, a URL that is not "
                + "Conversion's API, a missing object type); a transient failure is a warning."))
    var preflight = false

    @Option(
        help:
            ArgumentHelp(
                "PEM file of the certificate authorities to trust for HTTPS instead of the system's (default: "
                    + "CURL_CA_BUNDLE, else SSL_CERT_FILE; SSL_CERT_DIR adds a folder).")
    )
    var caBundle: String?

    @Option(help: "With --check: also check that the workspace has this custom object type.")
    var objectType: String?

    @Argument(help: "Input file (default: standard input).")
    var input: String?

    func execute(diagnostics: Diagnostics) throws -> ExitStatus {
        try TLSTrust.checkEnvironment()
        if let caBundle { try TLSTrust.use(caBundle: caBundle) }
        if apiKeyFile != nil && apiKeyEnv != nil {
            throw ConfigurationError.exclusive("--api-key-file", "--api-key-env")
        }
        let variable = apiKeyEnv ?? "CONVERSION_API_KEY"
        let key =
            try apiKeyFile.map { path throws(InputError) in try TextFile.readSecret(path) }
            ?? TextFile.environment(variable)
        guard dryRun || !(key ?? "").isEmpty else {
            throw ConfigurationError.missing("API key", remedy: "set \(variable) or pass --api-key-file FILE")
        }
        let configuration = try LoadConfiguration(
            apiURL: apiUrl ?? TextFile.environment("CONVERSION_API_URL") ?? APIContract.productionBaseURL,
            apiKey: key ?? "",
            batchSize: batchSize, rate: rate, concurrency: concurrency, retry: RetryPolicy(maxAttempts: maxAttempts),
            inputPath: input,
            acksPath: acks, rejectsPath: rejects, dryRun: dryRun, includeUserId: !noUserId, timeoutSeconds: timeout,
            budgetDirectory: privateBudget
                ? nil
                : budgetDir ?? TextFile.environment("CV_LOAD_BUDGET_DIR")
                    ?? TextFile.environment("XDG_RUNTIME_DIR") ?? "/tmp",
            budgetServer: try budgetServer(), budgetPassword: TextFile.environment("REDISCLI_AUTH"))
        if objectType != nil && !check {
            throw ConfigurationError.needs(
                setting: "--object-type", other: "--check", why: "records name their own type")
        }
        if check {
            do {
                diagnostics.note(try APICheck.run(configuration, objectType: objectType))
            } catch let failure as APICheck.Failure where preflight && failure.isTransient {
                diagnostics.warning(failure.message + "; the run goes on, and retries its requests")
            }
            return .success
        }
        do {
            let result = try Loader.run(configuration, output: .standardOutput(), diagnostics: diagnostics)
            try statsFile.write(result.json)
            diagnostics.note(
                dryRun
                    ? "dry run: \(result.recordsIn) records in \(result.requests) requests, nothing sent"
                    : result.summary)
            return .success
        } catch let failure as PartialFailure {
            try statsFile.write(failure.stats.json)
            diagnostics.note(failure.stats.summary)
            throw failure.error
        }
    }

    /// The Redis server of --budget-url or CV_LOAD_BUDGET_URL; none with --private-budget.
    private func budgetServer() throws(BudgetURLError) -> RedisEndpoint? {
        guard !privateBudget, let url = budgetUrl ?? TextFile.environment("CV_LOAD_BUDGET_URL"), !url.isEmpty else {
            return nil
        }
        do {
            return try RedisEndpoint(url: url)
        } catch {
            throw BudgetURLError(message: "--budget-url: " + error.message)
        }
    }

    static func main() { ToolMain.main(CvLoad.self) }
}

struct BudgetURLError: ToolError {
    var message: String
    var exitStatus: ExitStatus { .usage }
}
