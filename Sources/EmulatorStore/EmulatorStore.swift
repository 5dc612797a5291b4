import Concurrency
import ConversionAPI
import JSONCodec
import SQLiteDatabase
import SyncCore
import StreamIO
import TimeFormats

/// The emulator's workspace: contacts, companies, events, custom objects and relationships in
/// SQLite (a file, or memory). Every call runs under one lock, so parallel requests serialise.
/// (Unchecked: the SQLite connection is not Sendable; `database` and `schema` are only used
/// under `lock`, which is not reentrant.)
public final class EmulatorStore: @unchecked Sendable {
    let database: Database
    /// What the workspace defines; object types can be added while it runs, as they are
    /// created in Conversion's UI. Read and changed under `lock` only.
    public private(set) var schema: WorkspaceSchema
    let lock = SleepingLock()
    /// The userIds and email keys contacts may hold (used under `lock`).
    var identifiers: IdentifierFilter
    /// Identifiers each layer of the filter takes, for tests; nil: as many as it was sized for.
    let identifierLayerLimit: Int?
    /// The highest contact key made (used under `lock`), and whether it is known to be the
    /// file's highest (false until it is read, and whenever another connection wrote).
    var lastContactKey: UInt64 = 0
    var contactKeyKnown = false
    /// The file's change counter as this connection last saw it (`PRAGMA data_version`).
    private var dataVersion: Int64

    public convenience init(path: String?, schema: WorkspaceSchema) throws {
        try self.init(path: path, schema: schema, identifierLayerLimit: nil)
    }

    init(path: String?, schema: WorkspaceSchema, identifierLayerLimit: Int?) throws {
        // The indexes every item probes at random (user_id, email_key, event_id) stay in the
        // cache up to about a million contacts and events, so the rate stays flat as it grows.
        // A test fixture need not wait for the disk: a batch of 1000 contacts dirties some 2000
        // index pages, and a checkpoint with fsync after nearly every request was the limit.
        // (Larger pages were tried: 16 KiB took 8-10% off contacts sent in order, but each of
        // the thousand random index leaves a batch in cv-dedupe's hash order dirties is then
        // written four times over: events fell from 28k to 18k a second.)
        database = try Database(path: path ?? ":memory:", cacheMiB: 64, surviveOSCrash: false)
        self.schema = schema
        try Self.prepare(database)
        self.identifierLayerLimit = identifierLayerLimit
        // The counter first: a write by another process while the filter is read changes it,
        // and the first transaction then reads the filter again.
        dataVersion = try Self.dataVersion(database)
        identifiers = try IdentifierFilter(database, layerLimit: identifierLayerLimit)
    }

    /// When the transaction under way began: every row one request writes carries the same
    /// time, read and formatted once rather than for each of up to a thousand items.
    private(set) var transactionTime = ""

    /// Runs `body` under the store's lock in one transaction.
    public func write<T: Sendable>(_ body: () throws -> T) throws -> T {
        try lock.withLock { try transaction(body) }
    }

    /// `write` for a caller that holds the lock already.
    private func transaction<T>(_ body: () throws -> T) throws -> T {
        transactionTime = Self.now()
        return try database.transaction {
            try catchUpWithOtherWriters()
            return try body()
        }
    }

    /// Another process may write the same file (a second emulator on it): what this store keeps
    /// in memory about the rows, the identifier filter and the highest key, is then read again.
    /// Checked inside the transaction, which holds the file's write lock until it ends.
    private func catchUpWithOtherWriters() throws {
        let version = try Self.dataVersion(database)
        guard version != dataVersion else { return }
        identifiers = try IdentifierFilter(database, layerLimit: identifierLayerLimit)
        dataVersion = version
        contactKeyKnown = false
    }

    private static func dataVersion(_ database: Database) throws -> Int64 {
        let s = try database.cached("PRAGMA data_version")
        defer { s.reset() }
        _ = try s.step()
        return s.int(0)
    }

    public func read<T: Sendable>(_ body: () throws -> T) throws -> T {
        try lock.withLock { try body() }
    }

    public func reset() throws {
        try lock.withLock {
            try transaction {
                for table in ["contacts", "companies", "events", "objects", "relationships", "requests"] {
                    try database.execute("DELETE FROM \(table)")
                }
            }
            // Only once the rows are gone, and before the lock lets another write add some.
            identifiers = IdentifierFilter(capacity: 0, layerLimit: identifierLayerLimit)
        }
    }

    /// Creates an object type (the emulator's stand-in for creating it in Conversion's UI).
    public func addObjectType(_ name: String, _ type: WorkspaceSchema.ObjectType) {
        lock.withLock { schema.objectTypes[name] = type }
    }

    /// Logs one request (without headers: the API key never reaches the log).
    public func logRequest(method: String, path: String, status: Int, items: Int, note: String?) {
        try? write { try insertLog(method: method, path: path, status: status, items: items, note: note) }
    }

    func insertLog(method: String, path: String, status: Int, items: Int, note: String?) throws {
        let s = try database.cached(
            "INSERT INTO requests (at, method, path, status, items, note) VALUES (?, ?, ?, ?, ?, ?)")
        s.bind(1, text: transactionTime)
        s.bind(2, text: method)
        s.bind(3, text: path)
        s.bind(4, int: Int64(status))
        s.bind(5, int: Int64(items))
        if let note { s.bind(6, text: note) }
        try s.step()
    }

    static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UTCTimestamp.rfc3339(
            epochSeconds: Int64(ts.tv_sec), nanoseconds: Int(ts.tv_nsec / 1_000_000) * 1_000_000)
    }

    static func newID() -> String { RandomUUID.timeOrdered() }

}

#if canImport(Glibc)
    import Glibc
#endif
