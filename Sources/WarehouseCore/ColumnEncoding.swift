/// How a warehouse column's text becomes JSON (DESIGN.md §2).
public indirect enum ColumnEncoding: Equatable, Sendable {
    /// Exact integer digits; text that is not a JSON number is written as a string.
    case integer
    /// Exact decimal digits, never through a Double; NaN and ±Infinity become strings.
    case decimal
    /// Floating point as the warehouse printed it (shortest exact); NaN and ±Infinity become strings.
    case float
    /// `t`/`f`, `true`/`false`, `1`/`0` and the like.
    case boolean
    case text
    /// A UUID, written in RFC 4122's lowercase form whatever case the driver used.
    case uuid
    /// JSON text re-serialised compactly so the row stays on one line.
    case json
    /// `YYYY-MM-DD`, kept as text.
    case date
    /// Timestamps with or without zone, written as RFC 3339 UTC.
    case timestamp
    /// PostgreSQL `bytea` in hex output form (`\x…`), written as base64.
    case byteaHex
    /// Raw binary, written as base64.
    case binary
    /// A PostgreSQL array literal (`{1,2,NULL}`), written as a JSON array of `element`.
    case array(ColumnEncoding)
    /// Unix seconds as exact decimal text (`1704164645.123456000`, `1.7E9`), written as RFC 3339
    /// UTC. Text after a space (Snowflake's TIMESTAMP_TZ offset code) is ignored: the epoch is UTC.
    case epochSeconds
    /// Unix microseconds as integer text (BigQuery with `useInt64Timestamp`), or seconds when the
    /// text has a point or exponent (BigQuery's default `1.7E9`), written as RFC 3339 UTC.
    case epochMicroseconds
    /// Days since 1970-01-01 as integer text (Snowflake DATE), written as `YYYY-MM-DD`.
    case epochDays
    /// Seconds since midnight as decimal text (Snowflake TIME), written as `HH:MM:SS[.f]`.
    case secondsOfDay
    /// Hexadecimal digits without a prefix (Snowflake BINARY), written as base64.
    case hex
}

/// A result column: its name exactly as the warehouse returned it, and its encoding.
public struct ColumnDescription: Equatable, Sendable {
    public var name: String
    public var encoding: ColumnEncoding

    public init(name: String, encoding: ColumnEncoding) {
        self.name = name
        self.encoding = encoding
    }
}
