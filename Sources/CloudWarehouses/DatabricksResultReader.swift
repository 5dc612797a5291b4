import CurlHTTP
import JSONCodec
import SyncCore
import WarehouseCore

/// Walks a succeeded statement's result: the first chunk in `result`, then each chunk that
/// `next_chunk_internal_link` names. A chunk holds its rows inline (`data_array`) or as
/// `external_links`, pre-signed URLs fetched without the API token.
struct DatabricksResultReader {
    let client: CloudClient
    let baseURL: String
    private var rows: ArrayRowWriter?
    private var rowNumber = 0

    init(client: CloudClient, baseURL: String) {
        self.client = client
        self.baseURL = baseURL
    }

    /// Reads a statement response: false while the statement still runs (the caller polls
    /// again), else its whole result, chunk after chunk. The body is parsed once for both.
    mutating func readIfFinished<S: RowSink>(
        _ response: HTTPResponse, remember: (String) -> Void,
        writer: inout JSONWriter, sink: inout S
    ) throws(ExtractError) -> Bool {
        guard response.status == 200 else { throw DatabricksStatus.error(from: response, client: client) }
        var expectedTotal: Int?
        var page = ResponsePage()
        var next: String?
        let running = try page.read(
            response.body, orFail: { _ in client.unexpected(response, doing: "statement response that is not JSON") }
        ) {
            (tape) throws(ExtractError) -> Bool in
            if let id = tape.string("statement_id", of: 0) { remember(id) }
            if try DatabricksStatus.isRunning(tape, client: client) { return true }
            guard let manifest = tape.member("manifest", of: 0) else { throw ExtractError.noResultSet }
            if tape.member("truncated", of: manifest).map({ tape[$0].kind == .true }) == true {
                throw ExtractError.fetchFailed(
                    reason:
                        "Databricks truncated the result (INLINE results stop at 25 MiB); use "
                        + "disposition=EXTERNAL_LINKS",
                    row: 1)
            }
            expectedTotal = tape.member("total_row_count", of: manifest).flatMap {
                Int(String(decodingUTF8: tape.bytes($0)))
            }
            rows = ArrayRowWriter(columns: DatabricksTypes.columns(of: tape.value("schema", of: manifest)))
            if let result = tape.member("result", of: 0) {
                next = try chunk(tape, at: result, writer: &writer, sink: &sink)
            }
            return false
        }
        if running { return false }
        while let link = next {
            let response = try client.send("GET", baseURL + link, headers: CloudClient.jsonHeaders)
            guard response.status == 200 else { throw DatabricksStatus.error(from: response, client: client) }
            next = try page.read(
                response.body,
                orFail: { .fetchFailed(reason: "Databricks chunk is not JSON: \($0)", row: rowNumber + 1) }
            ) {
                (tape) throws(ExtractError) -> String? in try chunk(tape, at: 0, writer: &writer, sink: &sink)
            }
        }
        if let expectedTotal, expectedTotal != rowNumber {
            throw .fetchFailed(
                reason: "Databricks announced \(expectedTotal) rows in the manifest but the chunks held \(rowNumber)",
                row: rowNumber)
        }
        return true
    }

    /// Writes the rows of one chunk object and returns its `next_chunk_internal_link`.
    private mutating func chunk<S: RowSink>(_ tape: JSONTape, at index: Int, writer: inout JSONWriter, sink: inout S)
        throws(ExtractError) -> String?
    {
        if let data = tape.member("data_array", of: index), tape[data].kind == .array {
            try writeRows(tape, array: data, expected: nil, writer: &writer, sink: &sink)
            return tape.string("next_chunk_internal_link", of: index)
        }
        var next = tape.string("next_chunk_internal_link", of: index)
        for link in tape.member("external_links", of: index).map({ Array(tape.elements(ofArray: $0)) }) ?? [] {
            guard let url = tape.string("external_link", of: link) else { continue }
            let headers = Self.headers(tape.value("http_headers", of: link))
            let expected = tape.member("row_count", of: link).flatMap { Int(String(decodingUTF8: tape.bytes($0))) }
            try download(url, headers: headers, expected: expected, writer: &writer, sink: &sink)
            next = tape.string("next_chunk_internal_link", of: link) ?? next
        }
        return next
    }

    /// A pre-signed link carries its own authorization: sending the API token there would leak it.
    /// The chunk goes to an unlinked temporary file and is read back in windows, so its size
    /// does not set the memory used.
    private mutating func download<S: RowSink>(
        _ url: String, headers: [HTTPHeader], expected: Int?, writer: inout JSONWriter, sink: inout S
    ) throws(ExtractError) {
        let file = try ScratchFile()
        let response = try client.send("GET", url, headers: headers, authorized: false, bodyFile: file.descriptor)
        guard response.status == 200 else {
            var failed = response
            failed.body = file.prefix(300)
            throw client.unexpected(failed, doing: "downloading a result chunk")
        }
        var reader = JSONArrayFileReader(file: file.descriptor)
        var page = ResponsePage()
        var received = 0
        while let batch = try nextBatch(&reader) {
            try page.read(
                batch, orFail: { .fetchFailed(reason: "Databricks chunk data is not JSON: \($0)", row: rowNumber + 1) }
            ) {
                (tape) throws(ExtractError) in
                received += Int(tape[0].start)
                try writeRows(tape, array: 0, expected: nil, writer: &writer, sink: &sink)
            }
        }
        if let expected, expected != received {
            throw .fetchFailed(
                reason: "a Databricks chunk held \(received) rows, but its link announced \(expected)", row: rowNumber)
        }
    }

    /// The reader's errors, placed at the row where the chunk went wrong.
    private func nextBatch(_ reader: inout JSONArrayFileReader) throws(ExtractError) -> [UInt8]? {
        do { return try reader.nextBatch() } catch {
            if case .fetchFailed(let reason, _) = error { throw .fetchFailed(reason: reason, row: rowNumber + 1) }
            throw error
        }
    }

    private mutating func writeRows<S: RowSink>(
        _ tape: JSONTape, array: Int, expected: Int?, writer: inout JSONWriter, sink: inout S
    ) throws(ExtractError) {
        let list = Array(tape.elements(ofArray: array))
        if let expected, expected != list.count {
            throw .fetchFailed(
                reason: "a Databricks chunk held \(list.count) rows, but its link announced \(expected)",
                row: rowNumber + 1)
        }
        for row in list {
            rowNumber += 1
            guard rows!.write(tape, row: row, into: &writer) else {
                throw .fetchFailed(
                    reason: "Databricks row is not an array of \(rows!.columnCount) values", row: rowNumber)
            }
            try sink.rowEncoded(&writer)
        }
        if client.isCancelled { throw .cancelled(signal: "signal") }
    }

    static func headers(_ value: JSONValue?) -> [HTTPHeader] {
        guard let object = value?.objectValue else { return [] }
        return object.members.compactMap { member in member.value.stringValue.map { HTTPHeader(member.key, $0) } }
    }
}
