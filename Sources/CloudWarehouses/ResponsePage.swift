import JSONCodec
import WarehouseCore

/// Parses a response body into a tape and hands both to `body`; bodies that are not JSON become
/// the given error.
struct ResponsePage {
    private var tape = JSONTape()
    private let parser = JSONParser(maxDepth: 256)

    mutating func read<R>(
        _ bytes: [UInt8], orFail failure: (String) -> ExtractError,
        _ body: (JSONTape) throws(ExtractError) -> R
    ) throws(ExtractError) -> R {
        do throws(JSONSyntaxError) { try parser.parse(bytes.span, into: &tape) } catch {
            throw failure(error.description)
        }
        return try body(tape)
    }
}
