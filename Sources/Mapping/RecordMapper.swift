import ConversionAPI
import JSONCodec
import SyncCore

/// What to do with a null column (a choice of this project: docs/api.md).
public enum NullHandling: String, Sendable, CaseIterable {
    /// Leave the field untouched in Conversion: the field is not sent.
    case skip
    /// Clear the field: it is sent as null.
    case clear
}

/// Maps one parsed row (the object at tape index 0) to one record line, or throws the reason
/// it cannot. Works on the tape and writes output bytes directly: no per-row trees.
struct RecordMapper {
    let destination: Destination
    let schema: WorkspaceSchema
    let nulls: NullHandling
    var resolver: ColumnResolver
    /// A column of the current row: where it goes, and its key's tape token (the value is
    /// the token after it).
    struct Column {
        var slot: Slot
        var key: Int
        /// Which folded reserved name the column was taken as, or -1.
        var fold: Int32
        var value: Int { key + 1 }
    }

    /// Per row, in column order: one array, so a column costs one append.
    var columns: [Column] = []
    /// `"key":` bytes per field position, escaped once.
    let fieldKeys: [[UInt8]]
    let companyKeys: [[UInt8]]
    let objectTypeJSON: [UInt8]
    /// Mutable state of the write path, kept out of the struct so writing never copies it.
    let scratch = MapperScratch()
    var orphanedRelationshipFields: Int { scratch.orphanedRelationshipFields }

    init(destination: Destination, schema: WorkspaceSchema, nulls: NullHandling) {
        self.destination = destination
        self.schema = schema
        self.nulls = nulls
        self.resolver = ColumnResolver(destination: destination, schema: schema)
        func keys(_ set: FieldSet) -> [[UInt8]] {
            set.keys.map { key in
                var w = JSONWriter(capacity: key.utf8.count + 3)
                w.writeString(key)
                w.writeByte(UInt8(ascii: ":"))
                return w.bytes.array
            }
        }
        switch destination {
        case .contacts:
            fieldKeys = keys(schema.contactFields)
            companyKeys = keys(schema.companyFields)
            objectTypeJSON = []
        case .objects(let type):
            fieldKeys = keys(schema.objectTypes[type]?.fields ?? FieldSet())
            companyKeys = []
            var w = JSONWriter(capacity: type.utf8.count + 2)
            w.writeString(type)
            objectTypeJSON = w.bytes.array
        case .events:
            fieldKeys = []
            companyKeys = []
            objectTypeJSON = []
        }
    }

    /// Resolves every column of the row at tape index 0.
    mutating func collect(_ tape: JSONTape) {
        columns.removeAll(keepingCapacity: true)
        var position = 0
        var folds = false
        for key in tape.memberKeys(ofObject: 0) {
            let resolved = resolver.slot(forKeyAt: key, position: position, in: tape)
            columns.append(Column(slot: resolved.slot, key: key, fold: resolved.fold))
            folds = folds || resolved.fold >= 0
            position += 1
        }
        if folds { resolver.settleFolds(&columns) }
    }

    /// The value token of the last non-null column in `slot`, if any.
    func value(_ slot: Slot, _ tape: JSONTape) -> Int? {
        var found: Int?
        for column in columns where column.slot == slot && tape[column.value].kind != .null {
            found = column.value
        }
        return found
    }

    func columnName(_ slot: Slot, _ tape: JSONTape) -> String {
        guard let column = columns.first(where: { $0.slot == slot }) else { return "?" }
        return tape.decodeString(column.key)
    }

    /// Writes the record for the collected row; on failure the caller discards what was written.
    func writeRecord(_ tape: JSONTape, row: Int, into w: inout JSONWriter) throws(MapFailure) {
        switch destination {
        case .contacts: try writeContact(tape, into: &w)
        case .objects: try writeObject(tape, into: &w)
        case .events: try writeEvent(tape, into: &w)
        }
        w.writeRaw(",\"row\":")
        w.writeInteger(row)
        w.writeRaw("}\n")
    }

    /// Writes `,"userId":"…","email":"…"` for whichever is present; false when neither is.
    func writeContactIdentifiers(_ tape: JSONTape, into w: inout JSONWriter) throws(MapFailure) -> Bool {
        let userId = value(.userId, tape)
        let email = value(.email, tape)
        if let userId {
            w.writeRaw(",\"userId\":")
            try TokenValue.writeIdentifier(tape, userId, column: ReservedColumn.userId, into: &w)
        }
        if let email {
            guard tape[email].kind == .string else {
                throw .invalidValue(
                    column: ReservedColumn.email, expected: "a string", got: TokenValue.display(tape, email))
            }
            let valid =
                tape[email].hasEscapes
                ? EmailSyntax.isValid(tape.decodeString(email).trimmingSpaces())
                : EmailSyntax.isValid(tape.bytes(email).extracting(EmailSyntax.trimmedRange(tape.bytes(email))))
            guard valid else {
                throw MapFailure(
                    code: .invalidEmail,
                    message: "column 'email': \(TokenValue.display(tape, email)) is not a valid email address")
            }
            w.writeRaw(",\"email\":")
            w.writeStringToken(tape, at: email)
        }
        return userId != nil || email != nil
    }

    /// Writes `"key":value` members for every column whose slot `select` maps, comma-separated.
    func writeFields(
        _ tape: JSONTape, keys: [[UInt8]], types: [FieldType],
        select: (Slot) -> Int?, into w: inout JSONWriter
    ) throws(MapFailure) -> Int {
        var written = 0
        for column in columns {
            guard let position = select(column.slot) else { continue }
            let token = column.value
            if tape[token].kind == .null && nulls == .skip { continue }
            if written > 0 { w.writeByte(UInt8(ascii: ",")) }
            w.writeRaw(keys[position])
            if tape[token].kind == .null {
                w.writeRaw("null")
            } else {
                try TokenValue.writeField(tape, token, as: types[position], key: column.key, into: &w)
            }
            written += 1
        }
        return written
    }
}

/// Reused buffers and counters of the write path.
final class MapperScratch {
    var relationshipTape = JSONTape()
    /// Rows whose relationshipFields were dropped because the row named no contact.
    var orphanedRelationshipFields = 0
}
