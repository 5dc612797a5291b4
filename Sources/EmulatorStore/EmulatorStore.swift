import ConversionAPI
import JSONCodec
import Mapping
import SQLiteDatabase
import SyncCore

/// The emulator's workspace: contacts, companies, events, custom objects and relationships in
/// SQLite (a file, or memory). Every call runs under one lock, so parallel requests serialise.
public final class EmulatorStore: @unchecked Sendable {
    let database: Database
    /// What the workspace defines; object types can be added while it runs, as they are
    /// created in Conversion's UI. Read and changed under `lock` only.
    public private(set) var schema: MappingSchema
    let lock = Mutex()

    public init(path: String?, schema: MappingSchema) throws {
        database = try Database(path: path ?? ":memory:")
        self.schema = schema
        try database.execute("""
            CREATE TABLE IF NOT EXISTS contacts (id TEXT PRIMARY KEY, user_id TEXT UNIQUE, email TEXT, email_key TEXT,
              subscription TEXT, fields TEXT NOT NULL DEFAULT '{}', company_id TEXT, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS contacts_email ON contacts (email_key);
            CREATE TABLE IF NOT EXISTS companies (id TEXT PRIMARY KEY, fields TEXT NOT NULL DEFAULT '{}', domain_key TEXT, name_key TEXT);
            CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, event_id TEXT UNIQUE, contact_id TEXT NOT NULL, name TEXT NOT NULL,
              timestamp TEXT NOT NULL, data TEXT NOT NULL, updates INTEGER NOT NULL DEFAULT 0, seq INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS objects (type TEXT NOT NULL, id TEXT NOT NULL, cnv_id TEXT NOT NULL, fields TEXT NOT NULL,
              PRIMARY KEY (type, id));
            CREATE INDEX IF NOT EXISTS events_seq ON events (seq);
            CREATE TABLE IF NOT EXISTS relationships (type TEXT NOT NULL, object_id TEXT NOT NULL, contact_id TEXT NOT NULL,
              fields TEXT NOT NULL, PRIMARY KEY (type, object_id, contact_id));
            CREATE TABLE IF NOT EXISTS requests (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, method TEXT NOT NULL,
              path TEXT NOT NULL, status INTEGER NOT NULL, items INTEGER NOT NULL, note TEXT);
            """)
    }

    /// Runs `body` under the store's lock in one transaction.
    public func write<T>(_ body: () throws -> T) throws -> T {
        try lock.withLock { try database.transaction(body) }
    }

    public func read<T>(_ body: () throws -> T) throws -> T {
        try lock.withLock { try body() }
    }

    public func reset() throws {
        try write {
            for table in ["contacts", "companies", "events", "objects", "relationships", "requests"] {
                try database.execute("DELETE FROM \(table)")
            }
        }
    }

    /// Creates an object type (the emulator's stand-in for creating it in Conversion's UI).
    public func addObjectType(_ name: String, _ type: MappingSchema.ObjectType) {
        lock.withLock { schema.objectTypes[name] = type }
    }

    /// Logs one request (without headers: the API key never reaches the log).
    public func logRequest(method: String, path: String, status: Int, items: Int, note: String?) {
        try? write {
            let s = try database.cached("INSERT INTO requests (at, method, path, status, items, note) VALUES (?, ?, ?, ?, ?, ?)")
            s.bind(1, text: Self.now())
            s.bind(2, text: method)
            s.bind(3, text: path)
            s.bind(4, int: Int64(status))
            s.bind(5, int: Int64(items))
            if let note { s.bind(6, text: note) }
            try s.step()
        }
    }

    static func now() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UTCTimestamp.rfc3339(epochSeconds: Int64(ts.tv_sec), nanoseconds: Int(ts.tv_nsec / 1_000_000) * 1_000_000)
    }

    static func newID() -> String { RandomUUID.timeOrdered() }

}


#if canImport(Glibc)
import Glibc
#endif
