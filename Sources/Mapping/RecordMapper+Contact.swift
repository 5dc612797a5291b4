import JSONCodec

extension RecordMapper {
    /// `{"type":"contact","userId":…,"email":…,"subscriptionStatus":…,"fields":{…},"companyFields":{…}`
    func writeContact(_ tape: JSONTape, into w: inout JSONWriter) throws(MapFailure) {
        w.writeRaw("{\"type\":\"contact\"")
        guard try writeContactIdentifiers(tape, into: &w) else {
            throw .missing("neither 'userId' nor 'email' has a value; a contact needs at least one")
        }
        if let status = value(.subscriptionStatus, tape) {
            let valid = ["SUBSCRIBED", "UNSUBSCRIBED", "NO_STATUS"]
            guard tape[status].kind == .string, valid.contains(tape.decodeString(status)) else {
                throw MapFailure(
                    code: .invalidSubscriptionStatus,
                    message:
                        "column 'subscriptionStatus': expected one of SUBSCRIBED, UNSUBSCRIBED, NO_STATUS, got "
                        + "\(TokenValue.display(tape, status))"
                )
            }
            w.writeRaw(",\"subscriptionStatus\":")
            w.writeTapeValue(tape, at: status)
        }
        w.writeRaw(",\"fields\":{")
        _ = try writeFields(
            tape, keys: fieldKeys, types: schema.contactFields.types,
            select: { if case .field(let i) = $0 { return i } else { return nil } }, into: &w)
        w.writeByte(UInt8(ascii: "}"))
        let mark = w.bytes.count
        w.writeRaw(",\"companyFields\":{")
        let companies = try writeFields(
            tape, keys: companyKeys, types: schema.companyFields.types,
            select: { if case .companyField(let i) = $0 { return i } else { return nil } }, into: &w)
        if companies == 0 { w.bytes.removeSubrange(mark...) } else { w.writeByte(UInt8(ascii: "}")) }
    }
}
