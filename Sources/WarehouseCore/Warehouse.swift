import JSONCodec

/// Receives each encoded row (already in `writer`, newline included).
public protocol RowSink {
    mutating func rowEncoded(_ writer: inout JSONWriter) throws(ExtractError)
}

/// A connected warehouse that streams one query's rows, never holding the result set.
public protocol Warehouse: AnyObject, Sendable {
    /// Runs `query` and encodes every row into `writer`, calling `sink` after each.
    func stream<S: RowSink>(query: String, writer: inout JSONWriter, sink: inout S) throws(ExtractError)

    /// Asks the warehouse to cancel the running statement. Safe to call from another thread.
    func cancel()

    /// Whether `cancel()` was called; adapters check it between rows.
    var isCancelled: Bool { get }

    /// The service's own clock (Unix seconds) on the answer that started the query, for
    /// sources whose API says it (an HTTP Date header); nil otherwise.
    var serverClock: Int64? { get }
}

extension Warehouse {
    public var serverClock: Int64? { nil }
}
