import JSONCodec

/// Merges records that share a key within one run (DESIGN.md §4): later rows win field by
/// field; an object's relationships are the union, one per contact, later rows winning for that
/// contact's relationship fields.
enum RecordMerger {
    static func mergeContacts(_ records: [JSONObject]) -> JSONObject {
        var merged = records[0]
        for record in records.dropFirst() {
            for name in ["userId", "email", "subscriptionStatus"] {
                if let value = record[name], !value.isNull { merged[name] = value }
            }
            merged["fields"] = .object(mergeMembers(merged["fields"]?.objectValue, record["fields"]?.objectValue))
            let companies = mergeMembers(merged["companyFields"]?.objectValue, record["companyFields"]?.objectValue)
            if !companies.isEmpty { merged["companyFields"] = .object(companies) }
        }
        return withRows(merged, records)
    }

    static func mergeObjects(_ records: [JSONObject]) -> JSONObject {
        var merged = records[0]
        var relationships: [(key: String, value: JSONObject)] = []
        for (index, record) in records.enumerated() {
            if index > 0 {
                merged["fields"] = .object(mergeMembers(merged["fields"]?.objectValue, record["fields"]?.objectValue))
            }
            for case .object(let relationship) in record["relationships"].map(elements) ?? [] {
                let key = relationshipContactKey(relationship) ?? ""
                if let i = relationships.firstIndex(where: { $0.key == key }) {
                    var existing = relationships[i].value
                    for name in ["userId", "email"] where relationship[name] != nil {
                        existing[name] = relationship[name]
                    }
                    existing["fields"] = .object(
                        mergeMembers(existing["fields"]?.objectValue, relationship["fields"]?.objectValue))
                    relationships[i].value = existing
                } else {
                    relationships.append((key, relationship))
                }
            }
        }
        merged["relationships"] = .array(relationships.map { .object($0.value) })
        return withRows(merged, records)
    }

    /// The contact part of a relationship's key, as `RecordIdentity.contactKey` forms it.
    static func relationshipContactKey(_ relationship: JSONObject) -> String? {
        RecordIdentity.contactKey(
            userId: relationship["userId"]?.stringValue, email: relationship["email"]?.stringValue)
    }

    private static func elements(_ value: JSONValue) -> [JSONValue] {
        if case .array(let items) = value { return items }
        return []
    }

    private static func mergeMembers(_ a: JSONObject?, _ b: JSONObject?) -> JSONObject {
        var result = a ?? JSONObject()
        for member in b?.members ?? [] { result[member.key] = member.value }
        return result
    }

    /// Keeps the first row as `row` and lists every merged row in `mergedRows`.
    private static func withRows(_ record: JSONObject, _ records: [JSONObject]) -> JSONObject {
        var result = record
        let rows = records.compactMap { $0["row"] }
        if rows.count > 1 {
            result["row"] = nil
            result["row"] = rows[0]
            result["mergedRows"] = .array(rows)
        }
        return result
    }
}
