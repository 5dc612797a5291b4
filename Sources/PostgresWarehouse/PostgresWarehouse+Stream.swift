import CLibPQ
import JSONCodec
import WarehouseCore

extension PostgresWarehouse {
    public func stream<S: RowSink>(query: String, writer: inout JSONWriter, sink: inout S) throws(ExtractError) {
        // A sync credential is often allowed to write: the query runs in a read-only transaction
        // that is rolled back, so `DELETE`, `UPDATE … RETURNING` or a writing CTE fails and
        // nothing is kept. The extended protocol allows exactly one statement, so the query
        // cannot end the transaction and run more.
        // The lexer refuses what is not one reading statement before it reaches the server
        // (`COPY (SELECT …) TO '/file'` would write a server file even in a read-only one).
        try ReadOnlyQuery.check(query, dialect: redshift ? .redshift : .postgresql)
        try beginReadOnly()
        defer { PQclear(PQexec(connection, "ROLLBACK")) }
        guard PQsendQueryParams(connection, query, 0, nil, nil, nil, nil, 0) == 1 else {
            throw .queryFailed(
                reason: scrubber.scrub(String(cString: PQerrorMessage(connection))), line: nil, column: nil, detail: nil
            )
        }
        PQsetSingleRowMode(connection)
        var encoder: RowEncoder?
        var rows = 0
        var failure: ExtractError?
        var sawResultSet = false
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            if failure != nil { continue }
            switch PQresultStatus(result) {
            case PGRES_SINGLE_TUPLE:
                if encoder == nil { encoder = RowEncoder(columns: Self.columns(of: result)) }
                Self.encodeRow(result, with: &encoder!, into: &writer)
                rows += 1
                do throws(ExtractError) { try sink.rowEncoded(&writer) } catch {
                    failure = error
                    cancel()
                }
            case PGRES_TUPLES_OK:
                sawResultSet = true
            case PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                failure = .noResultSet
            default:
                failure = queryError(result, query: query, rows: rows)
            }
        }
        if let failure { throw failure }
        if !sawResultSet { throw .noResultSet }
    }

    private func beginReadOnly() throws(ExtractError) {
        let result = PQexec(connection, "BEGIN READ ONLY")
        defer { PQclear(result) }
        guard PQresultStatus(result) == PGRES_COMMAND_OK else {
            throw .queryFailed(
                reason: "could not start a read-only transaction: "
                    + scrubber.scrub(String(cString: PQerrorMessage(connection))),
                line: nil, column: nil, detail: nil)
        }
    }

    @inline(__always)
    private static func encodeRow(
        _ result: OpaquePointer, with encoder: inout RowEncoder, into writer: inout JSONWriter
    ) {
        let n = Int32(encoder.columns.count)
        var c: Int32 = 0
        while c < n {
            if PQgetisnull(result, 0, c) == 1 {
                encoder.encode(column: Int(c), text: nil, into: &writer)
            } else {
                let p = PQgetvalue(result, 0, c)!
                let len = Int(PQgetlength(result, 0, c))
                p.withMemoryRebound(to: UInt8.self, capacity: len) { bytes in
                    encoder.encode(
                        column: Int(c), text: UnsafeBufferPointer(start: bytes, count: len).span, into: &writer)
                }
            }
            c += 1
        }
        encoder.endRow(into: &writer)
    }

    static func columns(of result: OpaquePointer) -> [ColumnDescription] {
        (0..<PQnfields(result)).map { c in
            ColumnDescription(
                name: String(cString: PQfname(result, c)), encoding: PostgresTypes.encoding(forOID: PQftype(result, c)))
        }
    }

    private func queryError(_ result: OpaquePointer, query: String, rows: Int) -> ExtractError {
        func field(_ code: Character) -> String? {
            PQresultErrorField(result, Int32(code.asciiValue!)).map { String(cString: $0) }
        }
        if field("C") == "57014" && isCancelled { return .cancelled(signal: "signal") }
        let reason = scrubber.scrub(field("M") ?? String(cString: PQresultErrorMessage(result)))
        if rows > 0 { return .fetchFailed(reason: reason, row: rows + 1) }
        let position = field("P").flatMap { Int($0) }.map { ExtractError.lineAndColumn(ofCharacter: $0, in: query) }
        // 25006: read_only_sql_transaction, the query tried to write.
        let readOnly =
            field("C") == "25006" ? "a sync query may only read: wh-extract runs it in a read-only transaction" : nil
        let detail = [field("D"), field("H").map { "hint: " + $0 }, readOnly].compactMap { $0 }.map {
            scrubber.scrub($0)
        }.joined(separator: "; ")
        return .queryFailed(reason: reason, line: position?.line, column: position?.column, detail: detail)
    }
}
