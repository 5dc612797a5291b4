import CLibPQ
import JSONCodec
import SyncCore
import Synchronization
import WarehouseCore

#if canImport(Glibc)
    import Glibc
#endif

/// PostgreSQL and Redshift through libpq, streaming in single-row mode so memory stays flat.
public final class PostgresWarehouse: Warehouse, @unchecked Sendable {
    // The connection is used by one thread; `cancel()` only touches `cancelHandle`, which libpq
    // documents as safe to use from another thread or a signal handler.
    let connection: OpaquePointer
    private let cancelHandle: OpaquePointer?
    let scrubber: SecretScrubber
    let redshift: Bool
    private let cancelled = Mutex(false)

    /// Connects with `conninfo` (a URI) and an optional password from a file or the environment.
    public init(conninfo: String, password: String?, redshift: Bool = false, scrubber: SecretScrubber)
        throws(ExtractError)
    {
        self.scrubber = scrubber
        self.redshift = redshift
        var keywords = ["dbname", "client_encoding", "fallback_application_name"]
        var values = [conninfo, "UTF8", "wh-extract"]
        // A default wait, unless the user chose one (PGCONNECT_TIMEOUT, or connect_timeout in the
        // source, which comes later and wins).
        if getenv("PGCONNECT_TIMEOUT") == nil {
            keywords.insert("connect_timeout", at: 0)
            values.insert("10", at: 0)
        }
        if let password {
            keywords.append("password")
            values.append(password)
        }
        let conn = PostgresWarehouse.connect(keywords: keywords, values: values)
        guard let conn, PQstatus(conn) == CONNECTION_OK else {
            let endpoint = conn.map(PostgresWarehouse.endpoint(of:)) ?? "unknown host"
            let reason =
                conn.map { scrubber.scrub(PostgresWarehouse.connectionReason(String(cString: PQerrorMessage($0)))) }
                ?? "out of memory"
            if let conn { PQfinish(conn) }
            throw .connectionFailed(endpoint: endpoint, reason: reason)
        }
        connection = conn
        cancelHandle = PQgetCancel(conn)
        configureSession(redshift: redshift)
    }

    deinit {
        if let cancelHandle { PQfreeCancel(cancelHandle) }
        PQfinish(connection)
    }

    public var isCancelled: Bool { cancelled.withLock { $0 } }

    public func cancel() {
        cancelled.withLock { $0 = true }
        guard let cancelHandle else { return }
        var buffer = [CChar](repeating: 0, count: 256)
        _ = PQcancel(cancelHandle, &buffer, 256)
    }

    private static func connect(keywords: [String], values: [String]) -> OpaquePointer? {
        let k = keywords.map { strdup($0) } + [nil]
        let v = values.map { strdup($0) } + [nil]
        defer { for p in k + v { free(p) } }
        return k.map { UnsafePointer($0) }.withUnsafeBufferPointer { kp in
            v.map { UnsafePointer($0) }.withUnsafeBufferPointer { vp in
                PQconnectdbParams(kp.baseAddress, vp.baseAddress, 1)
            }
        }
    }

    static func endpoint(of conn: OpaquePointer) -> String {
        let host = PQhost(conn).map { String(cString: $0) } ?? "localhost"
        let port = PQport(conn).map { String(cString: $0) } ?? ""
        return port.isEmpty ? "host '\(host)'" : "host '\(host)' port \(port)"
    }

    /// libpq repeats the host and port that the endpoint already names; keep only the cause.
    static func connectionReason(_ text: String) -> String {
        var lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: " \t") }.filter { !$0.isEmpty }
        if let first = lines.first, let failed = first.firstRange(of: " failed: "),
            first.hasPrefix("connection to server")
        {
            lines[0] = String(first[failed.upperBound...])
        }
        var reason = lines.joined(separator: "; ")
        // libpq's words for "the server wants a password and none was given" name no setting.
        if reason.contains("fe_sendauth: no password supplied") {
            reason +=
                " (the server asks for a password: set PGPASSWORD or PGPASSFILE, WH_PASSWORD, or pass "
                + "--password-file FILE)"
        }
        return reason
    }

    /// Makes text output deterministic: UTC timestamps, ISO dates and intervals, exact floats.
    /// Settings a server does not know (Redshift lacks IntervalStyle) are skipped. Redshift
    /// folds even quoted aliases to lower case unless told not to, which would turn `"userId"`
    /// and `"eventId"` into fields the mapping cannot recognise.
    private func configureSession(redshift: Bool) {
        let caseSensitive = redshift ? ["SET enable_case_sensitive_identifier TO true"] : []
        for statement in [
            "SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, YMD'", "SET IntervalStyle = 'iso_8601'",
            "SET extra_float_digits = 3", "SET bytea_output = 'hex'",
        ] + caseSensitive {
            PQclear(PQexec(connection, statement))
        }
    }
}
