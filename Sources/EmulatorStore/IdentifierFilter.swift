import SQLiteDatabase
import SyncCore

/// Which userIds and email keys the store's contacts may hold. A new contact looks up its
/// userId and its email before it is created, and both lookups find nothing; as SQLite index
/// probes they were a quarter of the work a contact does under the store's lock. A "no" here
/// is certain and skips the probe; a "maybe" (about 1% of strangers) is asked of SQLite, so
/// every answer is still the store's own.
///
/// Identifiers are only ever added: one a contact gave up (its email changed) stays a "maybe"
/// until the filter is rebuilt from the store, which happens when the store opens and when
/// the filter has taken in more identifiers than it was sized for.
struct IdentifierFilter {
    private var bloom: BloomFilter
    /// Identifiers added since the filter was built (one given twice counts twice).
    private var added = 0
    /// How many it takes before `outgrown`: as many as it has room for, unless a test asks for fewer.
    private var limit: Int
    private let requestedLimit: Int?

    /// Empty, sized for `capacity` identifiers (and never below the filter's 1 MiB minimum).
    init(capacity: Int, limit: Int? = nil) {
        bloom = BloomFilter(capacity: capacity)
        requestedLimit = limit
        self.limit = limit ?? bloom.capacity
    }

    /// Reads every userId and email key the store holds into a filter with room for as many again.
    init(_ database: Database, limit: Int? = nil) throws(SQLiteError) {
        let rows = try database.prepare("SELECT count(*) FROM contacts")
        _ = try rows.step()
        self.init(capacity: 4 * Int(rows.int(0)), limit: limit)  // two identifiers a contact, twice over
        // Each reads one index, which holds the column already: no row of the table is read.
        let users = try database.prepare("SELECT user_id FROM contacts WHERE user_id IS NOT NULL")
        while try users.step() { users.withBlob(0) { add(StableHash128($0)) } }
        let emails = try database.prepare("SELECT email_key FROM contacts WHERE email_key IS NOT NULL")
        while try emails.step() { emails.withBlob(0) { add(Self.emailKey(StableHash128($0))) } }
        self.limit = requestedLimit ?? bloom.capacity - added
        added = 0
    }

    func mayHold(userId: String) -> Bool { bloom.mightContain(StableHash128(userId)) }
    func mayHold(emailKey: String) -> Bool { bloom.mightContain(Self.emailKey(StableHash128(emailKey))) }

    mutating func add(userId: String) { add(StableHash128(userId)) }
    mutating func add(emailKey: String) { add(Self.emailKey(StableHash128(emailKey))) }

    /// More identifiers than it was sized for: false positives climb from here on.
    var outgrown: Bool { added > limit }

    private mutating func add(_ key: StableHash128) {
        bloom.insert(key)
        added += 1
    }

    /// A userId and an email key with the same text must not share bits: the email's hash is
    /// moved by constants in both words (its block comes from `hi`, its bits from `lo`).
    private static func emailKey(_ h: StableHash128) -> StableHash128 {
        StableHash128(hi: h.hi ^ 0xA076_1D64_78BD_642F, lo: h.lo ^ 0xE703_7ED1_A0B4_28DB)
    }
}
