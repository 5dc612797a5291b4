import Hashing
import SQLiteDatabase
import SyncCore

/// Which userIds and email keys the store's contacts may hold. A new contact looks up its
/// userId and its email before it is created, and both lookups find nothing; as SQLite index
/// probes they were a quarter of the work a contact does under the store's lock. A "no" here
/// is certain and skips the probe; a "maybe" (about 1% of strangers for each layer) is asked
/// of SQLite, so every answer is still the store's own.
///
/// Layered: when the newest Bloom filter holds as many identifiers as it was sized for, a new
/// one four times its size takes the next ones, and a question asks every layer. Re-reading
/// the store's indexes into one larger filter instead held the store's lock for 0.3-0.4 s at
/// 800k contacts, a slice of the benchmark 30% slower. Identifiers are only ever added: one a
/// contact gave up (its email changed) stays a "maybe" until the filter is read from the
/// store again, when the store opens or another process wrote the file.
struct IdentifierFilter {
    private var layers: [BloomFilter]
    /// Identifiers the newest layer has taken (one given twice counts twice), and how many it takes.
    private var newest = 0
    private var newestLimit: Int
    /// Identifiers a layer takes, when a test wants layers smaller than their memory (nil: its capacity).
    private let layerLimit: Int?

    /// Empty, sized for `capacity` identifiers (and never below the filter's 1 MiB minimum).
    init(capacity: Int, layerLimit: Int? = nil) {
        let first = BloomFilter(capacity: capacity)
        layers = [first]
        self.layerLimit = layerLimit
        newestLimit = layerLimit ?? first.capacity
    }

    /// Reads every userId and email key the store holds into a filter with room for as many again.
    init(_ database: Database, layerLimit: Int? = nil) throws(SQLiteError) {
        let rows = try database.prepare("SELECT count(*) FROM contacts")
        _ = try rows.step()
        self.init(capacity: 4 * Int(rows.int(0)), layerLimit: layerLimit)  // two identifiers a contact, twice over
        // Each reads one index, which holds the column already: no row of the table is read.
        let users = try database.prepare("SELECT user_id FROM contacts WHERE user_id IS NOT NULL")
        while try users.step() { users.withBlob(0) { add(StableHash128($0)) } }
        let emails = try database.prepare("SELECT email_key FROM contacts WHERE email_key IS NOT NULL")
        while try emails.step() { emails.withBlob(0) { add(Self.emailKey(StableHash128($0))) } }
    }

    func mayHold(userId: String) -> Bool { mayHold(StableHash128(userId)) }
    func mayHold(emailKey: String) -> Bool { mayHold(Self.emailKey(StableHash128(emailKey))) }

    mutating func add(userId: String) { add(StableHash128(userId)) }
    mutating func add(emailKey: String) { add(Self.emailKey(StableHash128(emailKey))) }

    /// Layers in use (one, until the first has taken all it was sized for).
    var layerCount: Int { layers.count }

    private func mayHold(_ key: StableHash128) -> Bool { layers.contains { $0.mightContain(key) } }

    private mutating func add(_ key: StableHash128) {
        if newest >= newestLimit {
            let next = BloomFilter(capacity: layerLimit ?? 4 * layers[layers.count - 1].capacity)
            layers.append(next)
            newest = 0
            newestLimit = layerLimit ?? next.capacity
        }
        layers[layers.count - 1].insert(key)
        newest += 1
    }

    /// A userId and an email key with the same text must not share bits: the email's hash is
    /// moved by constants in both words (its block comes from `hi`, its bits from `lo`).
    private static func emailKey(_ h: StableHash128) -> StableHash128 {
        StableHash128(hi: h.hi ^ 0xA076_1D64_78BD_642F, lo: h.lo ^ 0xE703_7ED1_A0B4_28DB)
    }
}
