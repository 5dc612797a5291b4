import ConversionAPI
import JSONCodec

@testable import Loading

extension PendingRecord {
    /// A contact record as cv-load reads it, from its NDJSON line, with the API item to send.
    init(contactLine line: String, item: String = "") {
        let bytes = Array(line.utf8)
        var tape = JSONTape()
        try! JSONParser().parse(bytes.span, into: &tape)
        self.init(tape: tape, raw: bytes.span, item: Array(item.utf8), type: .contact)
    }
}
