import SQLiteDatabase

extension EmulatorStore {
    /// The layout of a store file.
    /// - 2: contacts and events are numbered by an integer key (their creation order, and an
    ///   append for every insert) instead of an implicit rowid beside a `seq` that cost an index
    ///   and a max() per event.
    /// - 3: a contact's id is found from its userId in the index alone (the index carries it),
    ///   where every event used to read its contact's row at random from a table that outgrows
    ///   the cache: events went from about 50k to 75k a second. The email index stays narrow
    ///   (an index that carried the id too cost contacts more than email-only events gained),
    ///   and lists the contacts that share an email oldest first.
    /// - 4: a new contact's key (`seq`) is the first 64 bits of its id and the rest follows
    ///   from the key, so the id needs no index of its own (a quarter of what inserting a
    ///   contact cost), and the userId index is narrow again: every index holds the key, and
    ///   the key gives the id. Ids made before keep a partial index (`contacts_legacy_id`, rows
    ///   below `legacyKeyLimit`), and their rows are read for them.
    static let format: Int64 = 4

    /// Keys below this are contacts made by an earlier format (numbered 1, 2, 3, …); keys made
    /// from ids are above it (`EmulatorStore.newContact()`).
    static let legacyKeyLimit: Int64 = 1 << 48

    /// Creates the tables, or brings a store written by an earlier cv-emulator up to `format`:
    /// the tables whose layout changed are set aside, the current ones created, and their rows
    /// copied in, in their order, so ids, timestamps and listings stay as they were.
    static func prepare(_ database: Database) throws {
        try database.transaction {
            let version = try integer(database, "PRAGMA user_version")
            let migrating =
                try version < format
                && integer(database, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'contacts'")
                    > 0
            if migrating { try setAside(database, version: version) }
            try database.execute(tables)
            if migrating { try copyBack(database, version: version) }
            try database.execute("PRAGMA user_version = \(format)")
        }
    }

    /// The tables of the current format.
    private static let tables = """
        CREATE TABLE IF NOT EXISTS contacts (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, user_id TEXT,
          email TEXT, email_key TEXT, subscription TEXT, fields TEXT NOT NULL DEFAULT '{}', company_id TEXT,
          created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
        CREATE UNIQUE INDEX IF NOT EXISTS contacts_legacy_id ON contacts (id) WHERE seq < 281474976710656;
        CREATE INDEX IF NOT EXISTS contacts_user ON contacts (user_id);
        CREATE INDEX IF NOT EXISTS contacts_email ON contacts (email_key);
        CREATE TABLE IF NOT EXISTS companies (id TEXT PRIMARY KEY, fields TEXT NOT NULL DEFAULT '{}',
          domain_key TEXT, name_key TEXT);
        CREATE TABLE IF NOT EXISTS events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE,
          event_id TEXT UNIQUE, contact_id TEXT NOT NULL, name TEXT NOT NULL, timestamp TEXT NOT NULL,
          data TEXT NOT NULL, updates INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS objects (type TEXT NOT NULL, id TEXT NOT NULL, cnv_id TEXT NOT NULL,
          fields TEXT NOT NULL, PRIMARY KEY (type, id));
        CREATE TABLE IF NOT EXISTS relationships (type TEXT NOT NULL, object_id TEXT NOT NULL,
          contact_id TEXT NOT NULL, fields TEXT NOT NULL, PRIMARY KEY (type, object_id, contact_id));
        CREATE TABLE IF NOT EXISTS requests (seq INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL,
          method TEXT NOT NULL, path TEXT NOT NULL, status INTEGER NOT NULL, items INTEGER NOT NULL, note TEXT);
        """

    /// The tables whose layout changed, renamed out of the way (with the index names the new
    /// ones take).
    private static func setAside(_ database: Database, version: Int64) throws {
        try database.execute(
            """
            DROP INDEX IF EXISTS contacts_email;
            DROP INDEX IF EXISTS contacts_user;
            DROP INDEX IF EXISTS events_seq;
            ALTER TABLE contacts RENAME TO contacts_before;
            """)
        if version < 2 { try database.execute("ALTER TABLE events RENAME TO events_format1") }
    }

    /// The rows set aside, copied into the new tables in their order.
    private static func copyBack(_ database: Database, version: Int64) throws {
        // Every earlier format keeps contacts in rowid order (from format 2 on, `seq` is the
        // rowid). They are numbered afresh from 1: below `legacyKeyLimit`.
        try database.execute(
            """
            INSERT INTO contacts (id, user_id, email, email_key, subscription, fields, company_id, created_at,
              updated_at)
              SELECT id, user_id, email, email_key, subscription, fields, company_id, created_at, updated_at
              FROM contacts_before ORDER BY rowid;
            DROP TABLE contacts_before;
            """)
        guard version < 2 else { return }
        // Format 1 numbered events by a separate `seq`.
        try database.execute(
            """
            INSERT INTO events (seq, id, event_id, contact_id, name, timestamp, data, updates)
              SELECT seq, id, event_id, contact_id, name, timestamp, data, updates FROM events_format1 ORDER BY seq;
            DROP TABLE events_format1;
            """)
    }

    private static func integer(_ database: Database, _ sql: StaticString) throws -> Int64 {
        let s = try database.cached(sql)
        defer { s.reset() }  // a statement left open would lock the tables the migration alters
        _ = try s.step()
        return s.int(0)
    }
}
