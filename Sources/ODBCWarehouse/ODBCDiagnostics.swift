import CUnixODBC

/// Reads the diagnostic records ODBC attaches to a handle after a failed call.
enum ODBCDiagnostics {
    static func message(handleType: Int16, handle: SQLHANDLE?) -> String {
        guard let handle else { return "ODBC call failed" }
        var parts: [String] = []
        var record: Int16 = 1
        while record <= 5 {
            var state = [SQLWCHAR](repeating: 0, count: 6)
            var native: SQLINTEGER = 0
            var text = [SQLWCHAR](repeating: 0, count: 1024)
            var length: SQLSMALLINT = 0
            let rc = SQLGetDiagRecW(SQLSMALLINT(handleType), handle, record, &state, &native, &text, 1024, &length)
            guard rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO else { break }
            let stateText = UTF16Text.string(state, count: 5)
            let body = UTF16Text.string(text, count: min(Int(length), 1023))
            parts.append("[\(stateText)] \(body)")
            record += 1
        }
        return parts.isEmpty ? "ODBC call failed" : parts.joined(separator: "; ")
    }

    static func succeeded(_ rc: SQLRETURN) -> Bool { rc == SQL_SUCCESS || rc == SQL_SUCCESS_WITH_INFO }
}

/// UTF-16 (SQLWCHAR) ↔ UTF-8 conversions for the wide ODBC API, which avoids the driver
/// manager's locale-dependent narrowing.
enum UTF16Text {
    static func units(_ s: String) -> [SQLWCHAR] { Array(s.utf16) + [0] }

    static func string(_ units: [SQLWCHAR], count: Int) -> String {
        let n = units.prefix(count).firstIndex(of: 0) ?? min(count, units.count)
        return String(decoding: units[..<n], as: UTF16.self)
    }

    /// Appends the UTF-8 of `count` UTF-16 units; unpaired surrogates become U+FFFD.
    static func appendUTF8(_ p: UnsafePointer<SQLWCHAR>, count: Int, to out: inout [UInt8]) {
        var i = 0
        while i < count {
            var scalar = UInt32(p[i])
            i += 1
            if scalar < 0x80 {
                out.append(UInt8(scalar))
                continue
            }
            if scalar >= 0xD800 && scalar <= 0xDBFF, i < count, p[i] >= 0xDC00 && p[i] <= 0xDFFF {
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (UInt32(p[i]) - 0xDC00)
                i += 1
            } else if scalar >= 0xD800 && scalar <= 0xDFFF {
                scalar = 0xFFFD
            }
            if scalar < 0x800 {
                out.append(UInt8(0xC0 | scalar >> 6))
                out.append(UInt8(0x80 | scalar & 0x3F))
            } else if scalar < 0x10000 {
                out.append(UInt8(0xE0 | scalar >> 12))
                out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
                out.append(UInt8(0x80 | scalar & 0x3F))
            } else {
                out.append(UInt8(0xF0 | scalar >> 18))
                out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
                out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
                out.append(UInt8(0x80 | scalar & 0x3F))
            }
        }
    }
}
