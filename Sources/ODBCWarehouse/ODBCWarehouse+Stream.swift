import CUnixODBC
import JSONCodec
import Synchronization
import WarehouseCore

extension ODBCWarehouse {
    public func stream<S: RowSink>(query: String, writer: inout JSONWriter, sink: inout S) throws(ExtractError) {
        var stmt: SQLHANDLE?
        SQLAllocHandle(SQLSMALLINT(SQL_HANDLE_STMT), connection, &stmt)
        lock.withLock { _ in statement = stmt }
        defer {
            lock.withLock { _ in
                statement = nil
                SQLFreeHandle(SQLSMALLINT(SQL_HANDLE_STMT), stmt)
            }
            rollBack()
        }
        let rc: SQLRETURN
        if isSQLite {
            // SQLite's driver turns wide text outside the BMP (emoji) into garbage; its narrow
            // entry takes the query as the UTF-8 SQLite itself reads.
            var bytes = Array(query.utf8) + [0]
            rc = bytes.withUnsafeMutableBufferPointer { SQLExecDirect(stmt, $0.baseAddress, SQLINTEGER($0.count - 1)) }
        } else {
            var text = UTF16Text.units(query)
            rc = SQLExecDirectW(stmt, &text, SQLINTEGER(text.count - 1))
        }
        guard ODBCDiagnostics.succeeded(rc) || rc == SQL_NO_DATA else {
            throw failure(stmt, row: 0)
        }
        var count: SQLSMALLINT = 0
        SQLNumResultCols(stmt, &count)
        guard count > 0 else { throw .noResultSet }
        let columns = (1...Int(count)).map { describe(stmt, column: $0) }
        var encoder = RowEncoder(columns: columns)
        // Likewise for values: SQLite's text is fetched as its raw UTF-8 bytes.
        var fetcher = ValueFetcher(statement: stmt, columns: columns, utf8Text: isSQLite)
        var rows = 0
        while true {
            let f = SQLFetch(stmt)
            if f == SQL_NO_DATA { break }
            guard ODBCDiagnostics.succeeded(f) else { throw failure(stmt, row: rows + 1) }
            for c in 0..<columns.count {
                guard fetcher.fetch(column: c) else { throw failure(stmt, row: rows + 1) }
                fetcher.withValue { encoder.encode(column: c, text: $0, into: &writer) }
            }
            encoder.endRow(into: &writer)
            rows += 1
            try sink.rowEncoded(&writer)
            if isCancelled { throw .cancelled(signal: "signal") }
        }
    }

    var isSQLite: Bool { dbmsName.lowercased().contains("sqlite") }

    private func failure(_ stmt: SQLHANDLE?, row: Int) -> ExtractError {
        if isCancelled { return .cancelled(signal: "signal") }
        let reason = scrubber.scrub(ODBCDiagnostics.message(handleType: Int16(SQL_HANDLE_STMT), handle: stmt))
        return row == 0
            ? .queryFailed(reason: reason, line: nil, column: nil, detail: nil) : .fetchFailed(reason: reason, row: row)
    }

    private func describe(_ stmt: SQLHANDLE?, column: Int) -> ColumnDescription {
        var name = [SQLWCHAR](repeating: 0, count: 1024)
        var nameLength: SQLSMALLINT = 0
        var sqlType: SQLSMALLINT = 0
        var size: SQLULEN = 0
        var digits: SQLSMALLINT = 0
        var nullable: SQLSMALLINT = 0
        SQLDescribeColW(stmt, SQLUSMALLINT(column), &name, 1024, &nameLength, &sqlType, &size, &digits, &nullable)
        var typeName = [SQLWCHAR](repeating: 0, count: 256)
        var typeNameBytes: SQLSMALLINT = 0
        SQLColAttributeW(
            stmt, SQLUSMALLINT(column), SQLUSMALLINT(SQL_DESC_TYPE_NAME), &typeName, 512, &typeNameBytes, nil)
        // Drivers disagree on whether this length is in bytes or characters; the terminator is reliable.
        let type = UTF16Text.string(typeName, count: typeName.count)
        return ColumnDescription(
            name: UTF16Text.string(name, count: Int(nameLength)),
            encoding: ODBCTypes.encoding(sqlType: Int16(sqlType), typeName: type))
    }
}

/// Fetches one column value with SQLGetData, in pieces for long values, into reused buffers.
struct ValueFetcher {
    let statement: SQLHANDLE?
    let binary: [Bool]
    /// Fetch text as its raw bytes (SQL_C_BINARY, the database's UTF-8) instead of UTF-16.
    let utf8Text: Bool
    private var chunk = [UInt8](repeating: 0, count: 1 << 16)
    private var value: [UInt8] = []
    /// A high surrogate that ended the previous piece of a long value; its low half comes next.
    private var pendingHigh: UInt16?
    private var isNull = false

    init(statement: SQLHANDLE?, columns: [ColumnDescription], utf8Text: Bool = false) {
        self.statement = statement
        self.binary = columns.map { $0.encoding == .binary }
        self.utf8Text = utf8Text
    }

    /// Reads column `c` (0-based); false on a driver error.
    mutating func fetch(column c: Int) -> Bool {
        value.removeAll(keepingCapacity: true)
        pendingHigh = nil
        isNull = false
        let raw = binary[c] || utf8Text
        let cType = SQLSMALLINT(binary[c] || utf8Text ? SQL_C_BINARY : SQL_C_WCHAR)
        let terminator = raw ? 0 : 2
        while true {
            var indicator: SQLLEN = 0
            let rc = chunk.withUnsafeMutableBytes { buf in
                SQLGetData(statement, SQLUSMALLINT(c + 1), cType, buf.baseAddress, SQLLEN(buf.count), &indicator)
            }
            if rc == SQL_NO_DATA { return true }
            guard ODBCDiagnostics.succeeded(rc) else { return false }
            if indicator == SQLLEN(SQL_NULL_DATA) {
                isNull = true
                return true
            }
            let available = indicator == SQLLEN(SQL_NO_TOTAL) ? chunk.count - terminator : Int(indicator)
            let got = min(available, chunk.count - terminator)
            append(got, wide: !raw)
            if rc == SQL_SUCCESS || got == available {
                finishWide()
                return true
            }
        }
    }

    private mutating func append(_ byteCount: Int, wide: Bool) {
        guard wide else {
            chunk.withUnsafeBytes { value.append(contentsOf: $0.prefix(byteCount)) }
            return
        }
        chunk.withUnsafeBytes { raw in
            let units = raw.bindMemory(to: UInt16.self)
            var start = 0
            var end = byteCount / 2
            // A long value arrives in pieces that may split a surrogate pair: carry the high half over.
            if let high = pendingHigh, end > 0 {
                var pair: [UInt16] = [high]
                if units[0] >= 0xDC00 && units[0] <= 0xDFFF {
                    pair.append(units[0])
                    start = 1
                }
                pair.withUnsafeBufferPointer { UTF16Text.appendUTF8($0.baseAddress!, count: $0.count, to: &value) }
                pendingHigh = nil
            }
            if end > start, units[end - 1] >= 0xD800 && units[end - 1] <= 0xDBFF {
                pendingHigh = units[end - 1]
                end -= 1
            }
            if end > start { UTF16Text.appendUTF8(units.baseAddress! + start, count: end - start, to: &value) }
        }
    }

    /// Called once a value is complete: a high surrogate left over has no partner.
    private mutating func finishWide() {
        if let high = pendingHigh {
            var unit = high
            UTF16Text.appendUTF8(&unit, count: 1, to: &value)
            pendingHigh = nil
        }
    }

    func withValue(_ body: (Span<UInt8>?) -> Void) {
        if isNull { return body(nil) }
        body(value.span)
    }
}
