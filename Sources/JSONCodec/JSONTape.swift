/// The parsed structure of one JSON text as a flat token list that points into the input bytes.
///
/// Parsing fills a reused tape without allocating per value; callers read keys and values straight
/// from the input buffer and copy raw bytes to the output. The tape is valid only while the buffer
/// it was parsed from is alive and unchanged.
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

    /// Owns the token memory; tapes that are copies share it (a tape is scratch space, reused
    /// for every parse, so sharing is what callers want and copying would cost per row).
    @usableFromInline final class Storage {
        var pointer: UnsafeMutablePointer<Token>
        var capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            pointer = .allocate(capacity: capacity)
        }

        deinit { pointer.deallocate() }
    }

    @usableFromInline let storage = Storage(capacity: 256)
    @usableFromInline var tokenBase: UnsafeMutablePointer<Token>
    /// Number of tokens of the last parse.
    public internal(set) var count = 0
    public internal(set) var base: UnsafePointer<UInt8>?

    public init() { tokenBase = storage.pointer }

    @inlinable @inline(__always)
    public subscript(index: Int) -> Token {
        precondition(index >= 0 && index < count, "token index out of range")
        return tokenBase[index]
    }

    /// The raw bytes of a string token's content (escapes not decoded) or of a number; inside the
    /// codec only (callers outside get `bytes`, which cannot outlive the tape).
    @inlinable @inline(__always)
    func rawBytes(_ index: Int) -> UnsafeBufferPointer<UInt8> {
        let t = self[index]
        return UnsafeBufferPointer(start: base! + Int(t.start), count: Int(t.end - t.start))
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
        return n == 0 || memcmp(base! + Int(t.start), bytes.baseAddress!, n) == 0
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
        base = storage.pointer
        capacity = storage.capacity
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
        storage.pointer.deallocate()
        storage.pointer = bigger
        storage.capacity = capacity * 2
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
