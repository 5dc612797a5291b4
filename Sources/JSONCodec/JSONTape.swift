/// The parsed structure of one JSON text as a flat token list that points into the input bytes.
///
/// Parsing fills a reused tape without allocating per value; callers read keys and values straight
/// from the input buffer and copy raw bytes to the output. The tape is valid only while the buffer
/// it was parsed from is alive and unchanged.
public struct JSONTape {
    public enum Kind: UInt8, Sendable {
        case object, array, string, number, `true`, `false`, null
    }

    public struct Token: Sendable {
        public var kind: Kind
        /// For strings: the content contains at least one backslash escape.
        public var hasEscapes: Bool
        /// Strings: content start (after the quote); numbers and literals: first byte.
        /// Containers: member or element count.
        public var start: Int32
        /// Strings: content end (before the quote); numbers and literals: end.
        public var end: Int32
        /// Index of the token after this value and everything nested in it.
        public var next: Int32
    }

    public internal(set) var tokens: [Token] = []
    public internal(set) var base: UnsafePointer<UInt8>?

    public init() { tokens.reserveCapacity(256) }

    public var count: Int { tokens.count }

    @inline(__always)
    public subscript(index: Int) -> Token { tokens[index] }

    /// The raw bytes of a string token's content (escapes not decoded) or of a number.
    @inline(__always)
    public func rawBytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let t = tokens[index]
        return UnsafeBufferPointer(start: base! + Int(t.start), count: Int(t.end - t.start))
    }

    /// Whether the string token at `index` equals `bytes` (the unescaped UTF-8 of a name).
    @inline(__always)
    public func stringEquals(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let t = tokens[index]
        if t.hasEscapes { return Array(decodeString(index).utf8).elementsEqual(bytes) }
        let n = Int(t.end - t.start)
        guard n == bytes.count else { return false }
        return n == 0 || memcmp(base! + Int(t.start), bytes.baseAddress!, n) == 0
    }

    /// Indices of the key tokens of the object at `index`, in order; each value is at key + 1.
    public func memberKeys(ofObject index: Int) -> MemberSequence {
        MemberSequence(tape: self, first: index + 1, count: Int(tokens[index].start))
    }

    public struct MemberSequence: Sequence, IteratorProtocol {
        let tape: JSONTape
        var position: Int
        var remaining: Int

        init(tape: JSONTape, first: Int, count: Int) {
            self.tape = tape
            self.position = first
            self.remaining = count
        }

        public mutating func next() -> Int? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            let key = position
            position = Int(tape.tokens[key + 1].next)
            return key
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
