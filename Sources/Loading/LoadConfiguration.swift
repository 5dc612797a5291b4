import StreamIO
import ConversionAPI
import RedisClient
import SyncCore
import Retrying

/// One `cv-load` run.
public struct LoadConfiguration: Sendable {
    public var apiURL: String
    /// From CONVERSION_API_KEY or --api-key-file; never from argv, never printed.
    public var apiKey: String
    /// Lowers every endpoint's batch limit when set.
    public var batchSize: Int?
    /// Requests per second across all workers; 0 means no limit.
    public var rate: Double
    public var concurrency: Int
    public var retry: RetryPolicy
    public var inputPath: String?
    public var acksPath: String?
    public var rejectsPath: String?
    public var dryRun: Bool
    /// Decision 4: send contacts' userId as a top-level field.
    public var includeUserId: Bool
    public var timeoutSeconds: Int
    /// Where the rate budget shared by all cv-load processes of one API key lives; nil keeps
    /// the budget to this process.
    public var budgetDirectory: String?
    /// A Redis server that holds the budget for every host (--budget-url); its password comes
    /// from REDISCLI_AUTH, never from the URL.
    public var budgetServer: RedisEndpoint?
    public var budgetPassword: String?

    public init(
        apiURL: String, apiKey: String, batchSize: Int? = nil, rate: Double = APIContract.requestsPerSecond,
        concurrency: Int = 4, retry: RetryPolicy = RetryPolicy(), inputPath: String? = nil, acksPath: String? = nil,
        rejectsPath: String? = nil, dryRun: Bool = false, includeUserId: Bool = true, timeoutSeconds: Int = 60,
        budgetDirectory: String? = nil, budgetServer: RedisEndpoint? = nil, budgetPassword: String? = nil
    )
        throws(ConfigurationError)
    {
        guard apiURL.hasPrefix("http://") || apiURL.hasPrefix("https://") else {
            throw ConfigurationError.invalidValue(
                setting: "the API URL", expected: "an http:// or https:// URL", got: apiURL)
        }
        if let batchSize, batchSize < 1 {
            throw ConfigurationError.invalidValue(setting: "--batch-size", expected: "at least 1")
        }
        guard (1...64).contains(concurrency) else {
            throw ConfigurationError.invalidValue(setting: "--concurrency", expected: "1 to 64")
        }
        guard retry.maxAttempts >= 1 else {
            throw ConfigurationError.invalidValue(setting: "--max-attempts", expected: "at least 1")
        }
        guard rate >= 0 else {
            throw ConfigurationError.invalidValue(setting: "--rate", expected: "0 (no limit) or more")
        }
        self.apiURL = apiURL.hasSuffix("/") ? String(apiURL.dropLast()) : apiURL
        self.apiKey = apiKey
        self.batchSize = batchSize
        self.rate = rate
        self.concurrency = concurrency
        self.retry = retry
        self.inputPath = inputPath
        self.acksPath = acksPath
        self.rejectsPath = rejectsPath
        self.dryRun = dryRun
        self.includeUserId = includeUserId
        self.timeoutSeconds = timeoutSeconds
        self.budgetDirectory = budgetDirectory
        self.budgetServer = budgetServer
        self.budgetPassword = budgetPassword
    }

    func limit(_ endpoint: Endpoint) -> Int { min(endpoint.limit, batchSize ?? endpoint.limit) }
}

/// Why a run stopped (exit 1); messages never contain the API key.
public enum LoadError: ToolError {
    case authenticationRefused(status: Int, message: String)
    case notDelivered(records: Int, attempts: Int)
    /// The endpoint is missing (a wrong --api-url), or the object type does not exist in Conversion.
    case endpointFailed(status: Int, code: String, message: String)
    /// SIGINT or SIGTERM arrived; what was not sent yet is rejected as retryable.
    case cancelled(signal: String)

    public var exitStatus: ExitStatus { .failure }

    public var message: String {
        switch self {
        case .authenticationRefused(let status, let message):
            return "authentication refused (HTTP \(status)): \(message); check CONVERSION_API_KEY or --api-key-file"
        case .cancelled(let signal):
            return "cancelled by \(signal); records not sent yet are in the rejects file as retryable"
        case .endpointFailed(let status, let code, let message):
            if code == RejectCode.objectTypeNotFound.rawValue {
                return
                    "\(message) (HTTP \(status)); create the object type in Conversion, then run again: the records "
                    + "are kept for retry"
            }
            return "\(message) (HTTP \(status) \(code)); check --api-url or CONVERSION_API_URL"
        case .notDelivered(let records, let attempts):
            return
                "\(records) records not delivered after \(attempts) attempts; they are in the rejects file as retryable"
        }
    }
}
