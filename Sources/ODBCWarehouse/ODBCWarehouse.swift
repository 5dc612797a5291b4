import CUnixODBC
import SyncCore
import Synchronization
import WarehouseCore

#if canImport(Glibc)
    import Glibc
#endif

/// Any ODBC data source through unixODBC's wide API, fetching one row at a time.
public final class ODBCWarehouse: Warehouse, @unchecked Sendable {
    // Handles are used by one thread; `cancel()` calls SQLCancel, which ODBC allows from another
    // thread while a statement runs, under `lock` so the statement cannot be freed meanwhile.
    var environment: SQLHANDLE?
    var connection: SQLHANDLE?
    var statement: SQLHANDLE?
    let scrubber: SecretScrubber
    /// Guards `statement`'s lifetime against a cancel, and whether one came.
    let lock = Mutex(false)
    let endpoint: String
    /// The DBMS name the driver reports ("PostgreSQL", "SQLite", …).
    public private(set) var dbmsName = ""

    /// Connects with a full ODBC connection string (`Driver=…;…` or `DSN=…`).
    public init(connectionString: String, endpoint: String, scrubber: SecretScrubber) throws(ExtractError) {
        self.scrubber = scrubber
        self.endpoint = endpoint
        SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_ENV), nil, &environment)
        SQLSetEnvAttr(environment, SQL_ATTR_ODBC_VERSION, UnsafeMutableRawPointer(bitPattern: Int(SQL_OV_ODBC3)), 0)
        SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_DBC), environment, &connection)
        SQLSetConnectAttrW(connection, SQL_ATTR_LOGIN_TIMEOUT, UnsafeMutableRawPointer(bitPattern: 10), 0)
        var text = UTF16Text.units(ODBCWarehouse.tuned(connectionString))
        let rc = SQLDriverConnectW(
            connection, nil, &text, SQLSMALLINT(text.count - 1), nil, 0, nil, SQLUSMALLINT(SQL_DRIVER_NOPROMPT))
        guard ODBCDiagnostics.succeeded(rc) else {
            let reason = scrubber.scrub(ODBCDiagnostics.message(handleType: Int16(SQL_HANDLE_DBC), handle: connection))
            throw .connectionFailed(endpoint: endpoint, reason: reason)
        }
        dbmsName = info(SQLUSMALLINT(SQL_DBMS_NAME))
        makeReadOnly()
    }

    /// A sync credential is often allowed to write; the query must not be able to. Every driver
    /// is asked for read-only access (many ignore it); PostgreSQL sessions make every
    /// transaction read-only and SQLite refuses writes (`query_only`); and the query runs in a
    /// transaction that is rolled back, so a write a driver let through is not kept either.
    /// The session settings are made in autocommit mode, before it is turned off, so they stay.
    /// The SQLite3 ODBC driver by file when Debian's package put it in the usual place, so the
    /// embedded default works without an odbcinst.ini entry; otherwise by its registered name.
    public static func sqliteDriver() -> String {
        for dir in [
            "/usr/lib/x86_64-linux-gnu/odbc", "/usr/lib/aarch64-linux-gnu/odbc", "/usr/lib/odbc", "/usr/local/lib",
        ] {
            let path = dir + "/libsqlite3odbc.so"
            if access(path, R_OK) == 0 { return path }
        }
        return "SQLite3"
    }

    private func makeReadOnly() {
        SQLSetConnectAttrW(
            connection, SQL_ATTR_ACCESS_MODE, UnsafeMutableRawPointer(bitPattern: Int(SQL_MODE_READ_ONLY)), 0)
        let dbms = dbmsName.lowercased()
        if dbms.contains("postgres") {
            configurePostgresSession()
        } else if dbms.contains("sqlite") {
            execute("PRAGMA query_only = ON")
        }
        SQLSetConnectAttrW(
            connection, SQL_ATTR_AUTOCOMMIT, UnsafeMutableRawPointer(bitPattern: Int(SQL_AUTOCOMMIT_OFF)), 0)
    }

    /// Ends the query's transaction without keeping anything it did.
    func rollBack() {
        SQLEndTran(SQLSMALLINT(SQL_HANDLE_DBC), connection, SQLSMALLINT(SQL_ROLLBACK))
    }

    deinit {
        lock.withLock { _ in
            if let statement { SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_STMT), statement) }
            statement = nil
        }
        if let connection {
            SQLDisconnect(connection)
            SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_DBC), connection)
        }
        if let environment { SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_ENV), environment) }
    }

    public var isCancelled: Bool { lock.withLock { $0 } }

    public func cancel() {
        lock.withLock { cancelled in
            cancelled = true
            if let statement { SQLCancel(statement) }
        }
    }

    /// psqlODBC holds the whole result in memory unless told to fetch through a cursor
    /// (measured: 454 MB for 1M rows), and reports booleans as characters by default.
    static func tuned(_ connectionString: String) -> String {
        let pairs = ODBCConnectionString.pairs(connectionString)
        let driver = pairs.last { $0.key.lowercased() == "driver" }?.value.lowercased() ?? ""
        guard driver.contains("postgres") || driver.contains("psqlodbc") else { return connectionString }
        var tuned = connectionString
        if !tuned.hasSuffix(";") { tuned += ";" }
        for (key, value) in [("UseDeclareFetch", "1"), ("Fetch", "10000"), ("BoolsAsChar", "0")]
        where !pairs.contains(where: { $0.key.lowercased() == key.lowercased() }) {
            tuned += "\(key)=\(value);"
        }
        return tuned
    }

    private func configurePostgresSession() {
        for sql in [
            "SET TimeZone = 'UTC'", "SET DateStyle = 'ISO, YMD'", "SET IntervalStyle = 'iso_8601'",
            "SET extra_float_digits = 3", "SET bytea_output = 'hex'",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
        ] {
            execute(sql)
        }
    }

    private func execute(_ sql: String) {
        var stmt: SQLHANDLE?
        SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_STMT), connection, &stmt)
        var text = UTF16Text.units(sql)
        SQLExecDirectW(stmt, &text, SQLINTEGER(text.count - 1))
        SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_STMT), stmt)
    }

    private func info(_ type: SQLUSMALLINT) -> String {
        var buffer = [SQLWCHAR](repeating: 0, count: 256)
        var length: SQLSMALLINT = 0
        guard ODBCDiagnostics.succeeded(SQLGetInfoW(connection, type, &buffer, 512, &length)) else { return "" }
        return UTF16Text.string(buffer, count: Int(length) / 2)
    }
}
