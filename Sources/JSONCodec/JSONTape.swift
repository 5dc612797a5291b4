/// The parsed structure of one JSON text as a flat token list over the text's bytes.
///
/// Parsing fills a reused tape without allocating per value; callers read keys and values from
/// the bytes and copy raw bytes to the output. The tape keeps its own copy of the bytes it
/// parsed (one memcpy per parse, beside the parse itself), so it can never outlive them: a
/// tape, and every copy of it, reads memory it owns. Copies share that memory (a tape is
/// scratch space, reused for every parse), so a copy kept past the next parse sees that parse.
public struct JSONTape {
    @frozen public enum Kind: UInt8, Sendable {
        case object, array, string, number, `true`, `false`, null
    }

    @frozen public struct Token: Sendable {
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

    /// Owns the token memory and the parsed bytes. Every read goes through it (no pointer is
    /// cached in a tape value), so a copy of a tape never reads freed memory. Exclusivity is not
    /// checked at run time: one parse writes, and reads happen between parses.
    @usableFromInline final class Storage {
        @exclusivity(unchecked) @usableFromInline var tokens: UnsafeMutablePointer<Token>
        @exclusivity(unchecked) var tokenCapacity: Int
        @exclusivity(unchecked) @usableFromInline var count = 0
        @exclusivity(unchecked) @usableFromInline var bytes: UnsafeMutablePointer<UInt8>
        @exclusivity(unchecked) var byteCapacity: Int

        init(tokens: Int, bytes: Int) {
            tokenCapacity = tokens
            self.tokens = .allocate(capacity: tokens)
            byteCapacity = bytes
            self.bytes = .allocate(capacity: bytes)
        }

        deinit {
            tokens.deallocate()
            bytes.deallocate()
        }

        /// Copies `input` in as the bytes of the next parse.
        func take(_ input: UnsafeBufferPointer<UInt8>) {
            count = 0
            if input.count > byteCapacity {
                bytes.deallocate()
                byteCapacity = Swift.max(input.count, byteCapacity * 2)
                bytes = .allocate(capacity: byteCapacity)
            }
            if let from = input.baseAddress { bytes.update(from: from, count: input.count) }
        }
    }

    @usableFromInline let storage = Storage(tokens: 256, bytes: 4096)
    /// Number of tokens of the last parse.
    public var count: Int { storage.count }

    public init() {}

    @inlinable @inline(__always)
    public subscript(index: Int) -> Token {
        precondition(index >= 0 && index < storage.count, "token index out of range")
        return storage.tokens[index]
    }

    /// The raw bytes of a string token's content (escapes not decoded) or of a number; inside the
    /// codec only (callers outside get `bytes`, which cannot outlive the tape).
    @inlinable @inline(__always)
    func rawBytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let t = self[index]
        return UnsafeBufferPointer(start: storage.bytes + Int(t.start), count: Int(t.end - t.start))
    }

    /// `rawBytes` as a bounds-checked view that cannot outlive this tape: what code outside
    /// the codec reads (it then needs no pointer).
    @inlinable @inline(__always)
    @_lifetime(borrow self)
    public func bytes(_ index: Int) -> Span<UInt8> {
        _overrideLifetime(Span(_unsafeElements: rawBytes(index)), borrowing: self)
    }

    /// Whether the string token at `index` equals `bytes` (the unescaped UTF-8 of a name).
    @inlinable
    public func stringEquals(_ index: Int, _ bytes: Span<UInt8>) -> Bool {
        bytes.withUnsafeBufferPointer { stringEquals(index, $0) }
    }

    @inlinable
    public func stringEquals(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let t = self[index]
        if t.hasEscapes { return Array(decodeString(index).utf8).elementsEqual(bytes) }
        let n = Int(t.end - t.start)
        guard n == bytes.count else { return false }
        return n == 0 || memcmp(storage.bytes + Int(t.start), bytes.baseAddress!, n) == 0
    }

    /// Indices of the key tokens of the object at `index`, in order; each value is at key + 1.
    @inlinable
    public func memberKeys(ofObject index: Int) -> MemberSequence {
        Siblings(tape: self, first: index + 1, count: Int(self[index].start), valueOffset: 1)
    }

    public typealias MemberSequence = Siblings
    public typealias ElementSequence = Siblings

    /// The tokens of an object's keys or an array's elements, in order, without allocating:
    /// each is followed by the token at `next` of its value (`valueOffset` after it: a key's
    /// value is the token after the key, an element is its own value).
    public struct Siblings: Sequence, IteratorProtocol {
        @usableFromInline let tape: JSONTape
        @usableFromInline var position: Int
        @usableFromInline var remaining: Int
        @usableFromInline let valueOffset: Int

        @inlinable init(tape: JSONTape, first: Int, count: Int, valueOffset: Int) {
            self.tape = tape
            self.position = first
            self.remaining = count
            self.valueOffset = valueOffset
        }

        @inlinable public mutating func next() -> Int? {
            guard remaining > 0 else { return nil }
            remaining -= 1
            let token = position
            position = Int(tape[token + valueOffset].next)
            return token
        }
    }
}

/// The parser's append-only view of a tape's token memory; a struct so appends in the hot
/// loop touch no class properties.
struct TokenWriter {
    let storage: JSONTape.Storage
    var base: UnsafeMutablePointer<JSONTape.Token>
    var capacity: Int
    var count = 0

    init(_ storage: JSONTape.Storage) {
        self.storage = storage
        base = storage.tokens
        capacity = storage.tokenCapacity
    }

    @inline(__always)
    mutating func append(_ token: JSONTape.Token) {
        if count == capacity { grow() }
        (base + count).initialize(to: token)
        count += 1
    }

    @inline(__always)
    subscript(index: Int) -> JSONTape.Token {
        get { base[index] }
        set { base[index] = newValue }
    }

    @inline(never)
    private mutating func grow() {
        let bigger = UnsafeMutablePointer<JSONTape.Token>.allocate(capacity: capacity * 2)
        bigger.moveInitialize(from: base, count: count)
        storage.tokens.deallocate()
        storage.tokens = bigger
        storage.tokenCapacity = capacity * 2
        base = bigger
        capacity *= 2
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
