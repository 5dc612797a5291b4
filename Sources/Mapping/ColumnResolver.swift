import ConversionAPI
import JSONCodec

/// Resolves column names to slots. Rows from one query repeat the same keys in the same order,
/// so a per-position cache answers with one memcmp; a dictionary handles the rest.
struct ColumnResolver {
    let destination: Destination
    let schema: WorkspaceSchema
    private var byName: [[UInt8]: Resolved] = [:]
    /// Per column position: the last key seen there (its bytes in `keyBytes`) and its slot.
    /// Plain values, so reading the cache costs no reference counting.
    private var cache: [CachedKey] = []
    /// The cached keys' bytes, one after the other. A query has a handful of distinct column
    /// names, so this stays tiny; a stream whose keys keep changing just misses.
    private var keyBytes: [UInt8] = []
    private var storedKeys = 0
    /// Ignored column names in the order first seen, for the once-per-run notice.
    private(set) var ignored: [String] = []
    /// Keys not answered by the per-position cache so far: unchanged across a row means the
    /// row's columns are, position by position, the cached ones.
    private(set) var misses = 0
    /// Columns taken as a reserved name whose case the warehouse folded (`userid` → `userId`),
    /// in the order first used: a folded name that a row also has exactly is not used.
    private(set) var folded: [FoldedColumn] = []
    /// Every folded name met, by the index a `Resolved` carries, and whether it was used
    /// (reported once).
    private var foldCandidates: [FoldedColumn] = []
    private var foldUsed: [Bool] = []
    /// Ignored columns that are a folded reserved name, with the exact name that won (each
    /// reported once, when first shadowed).
    private(set) var shadowedBy: [String: String] = [:]

    init(destination: Destination, schema: WorkspaceSchema) {
        self.destination = destination
        self.schema = schema
    }

    @inline(__always)
    mutating func slot(forKeyAt token: Int, position: Int, in tape: JSONTape) -> Resolved {
        if !tape[token].hasEscapes, position < cache.count {
            let cached = cache[position]
            if tape.stringEquals(token, keyBytes.span.extracting(cached.start..<cached.start + cached.count)) {
                return cached.slot
            }
        }
        misses += 1
        let key = tape[token].hasEscapes ? Array(tape.decodeString(token).utf8) : tape.bytes(token).array
        let slot = lookup(key)
        if !tape[token].hasEscapes {
            if storedKeys > 4096 {
                // Keys that keep changing: start over rather than grow without bound.
                cache.removeAll()
                keyBytes.removeAll(keepingCapacity: true)
                storedKeys = 0
            }
            let entry = CachedKey(start: keyBytes.count, count: key.count, slot: slot)
            keyBytes += key
            storedKeys += 1
            if position < cache.count {
                cache[position] = entry
            } else if position == cache.count {
                cache.append(entry)
            }
        }
        return slot
    }

    private mutating func lookup(_ key: [UInt8]) -> Resolved {
        if let known = byName[key] { return known }
        let name = String(decoding: key, as: UTF8.self)
        var resolved = Resolved(slot: resolve(name), fold: -1)
        if resolved.slot == .ignored || (resolved.slot == .property && !reservedNames.contains(name)) {
            // Warehouses fold unquoted aliases (PostgreSQL and Redshift to lower case, Snowflake to
            // upper): a structural name matches whatever its case when nothing matched exactly.
            let lowered = name.lowercased()
            if let reserved = reservedNames.first(where: { $0.lowercased() == lowered }) {
                resolved = Resolved(slot: resolve(reserved), fold: Int32(foldCandidates.count))
                foldCandidates.append(FoldedColumn(column: name, reserved: reserved))
                foldUsed.append(false)
            }
        }
        byName[key] = resolved
        if resolved.slot == .ignored { ignored.append(name) }
        return resolved
    }

    /// A folded column is used in a row unless the row also has the reserved name exactly
    /// ("recognised whatever their case when no column matches exactly"); then it is ignored,
    /// and said so once.
    mutating func settleFolds(_ columns: inout [RecordMapper.Column]) {
        for i in columns.indices where columns[i].fold >= 0 {
            let fold = Int(columns[i].fold)
            let slot = columns[i].slot
            if columns.contains(where: { $0.slot == slot && $0.fold < 0 }) {
                columns[i].slot = .ignored
                let candidate = foldCandidates[fold]
                if shadowedBy[candidate.column] == nil {
                    shadowedBy[candidate.column] = candidate.reserved
                    ignored.append(candidate.column)
                }
            } else if !foldUsed[fold] {
                foldUsed[fold] = true
                folded.append(foldCandidates[fold])
            }
        }
    }

    /// The structural names of this destination: reserved, not fields.
    var reservedNames: [String] {
        switch destination {
        case .contacts: return [ReservedColumn.userId, ReservedColumn.email, ReservedColumn.subscriptionStatus]
        case .objects:
            return [ReservedColumn.id, ReservedColumn.userId, ReservedColumn.email, ReservedColumn.relationshipFields]
        case .events:
            return [
                ReservedColumn.userId, ReservedColumn.email, ReservedColumn.eventName, ReservedColumn.timestamp,
                ReservedColumn.eventId,
            ]
        }
    }

    private func resolve(_ name: String) -> Slot {
        switch destination {
        case .contacts:
            switch name {
            case ReservedColumn.userId: return .userId
            case ReservedColumn.email: return .email
            case ReservedColumn.subscriptionStatus: return .subscriptionStatus
            default:
                if let i = schema.contactFields.position(of: name) { return .field(i) }
                if let i = schema.companyFields.position(of: name) { return .companyField(i) }
                return .ignored
            }
        case .objects(let type):
            switch name {
            case ReservedColumn.id: return .objectId
            case ReservedColumn.userId: return .userId
            case ReservedColumn.email: return .email
            case ReservedColumn.relationshipFields: return .relationshipFields
            default:
                return schema.objectTypes[type]?.fields.position(of: name).map(Slot.field) ?? .ignored
            }
        case .events:
            switch name {
            case ReservedColumn.userId: return .userId
            case ReservedColumn.email: return .email
            case ReservedColumn.eventName: return .eventName
            case ReservedColumn.timestamp: return .timestamp
            case ReservedColumn.eventId: return .eventId
            default: return .property
            }
        }
    }

    /// Every name a column could have matched, for "did you mean" suggestions.
    var knownNames: [String] {
        switch destination {
        case .contacts: return reservedNames + schema.contactFields.keys + schema.companyFields.keys
        case .objects(let type): return reservedNames + (schema.objectTypes[type]?.fields.keys ?? [])
        case .events: return reservedNames
        }
    }
}

struct CachedKey {
    /// Where the key's bytes are in the resolver's `keyBytes`.
    let start: Int
    let count: Int
    let slot: Resolved
}

/// Where a column goes, and (`fold` ≥ 0) which folded reserved name it was taken as.
struct Resolved: Equatable {
    var slot: Slot
    var fold: Int32
}
