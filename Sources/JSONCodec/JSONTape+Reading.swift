/// Reading members, elements and strings by name, without copies: the one place code outside
/// the codec looks things up on a tape, so no module carries its own pointer arithmetic.
extension JSONTape {
    /// Whether the string token at `index` equals `name`.
    @inlinable
    public func stringEquals(_ index: Int, _ name: StaticString) -> Bool {
        stringEquals(index, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }

    /// Whether the string token at `index` equals `name`.
    public func stringEquals(_ index: Int, _ name: String) -> Bool {
        var copy = name
        return copy.withUTF8 { stringEquals(index, $0) }
    }

    /// The value token of the first member called `name` of the object at `object`; nil when
    /// `object` is not an object or has no such member.
    @inlinable
    public func member(_ name: StaticString, of object: Int) -> Int? {
        guard self[object].kind == .object else { return nil }
        for key in memberKeys(ofObject: object) where stringEquals(key, name) { return key + 1 }
        return nil
    }

    /// `member` for a name known only at run time (column names, schema fields).
    public func member(_ name: String, of object: Int) -> Int? {
        guard self[object].kind == .object else { return nil }
        var copy = name
        return copy.withUTF8 { bytes in
            for key in memberKeys(ofObject: object) where stringEquals(key, bytes) { return key + 1 }
            return nil
        }
    }

    /// How many members of the object at `object` are called `name` (a record's identity must
    /// not depend on which of two the reader happens to take).
    public func memberCount(_ name: StaticString, of object: Int) -> Int {
        guard self[object].kind == .object else { return 0 }
        var n = 0
        for key in memberKeys(ofObject: object) where stringEquals(key, name) { n += 1 }
        return n
    }

    /// Member `name` as a string, when it is one.
    public func string(_ name: StaticString, of object: Int) -> String? {
        guard let v = member(name, of: object), self[v].kind == .string else { return nil }
        return decodeString(v)
    }

    /// Member `name` as a string, when it is one.
    public func string(_ name: String, of object: Int) -> String? {
        guard let v = member(name, of: object), self[v].kind == .string else { return nil }
        return decodeString(v)
    }

    /// Member `name` as an owned value (for small parts: schemas, statuses, errors).
    public func value(_ name: String, of object: Int) -> JSONValue? {
        member(name, of: object).map { value(at: $0) }
    }

    /// Member `name` as an integer, when it is a number written as one.
    public func integer(_ name: StaticString, of object: Int) -> Int? {
        guard let v = member(name, of: object), self[v].kind == .number else { return nil }
        return Int(String(decoding: rawBytes(v), as: UTF8.self))
    }

    /// Member `name` as a boolean, when it is `true` or `false`.
    public func bool(_ name: StaticString, of object: Int) -> Bool? {
        guard let v = member(name, of: object) else { return nil }
        switch self[v].kind {
        case .true: return true
        case .false: return false
        default: return nil
        }
    }

    /// The element tokens of the array at `index`, in order; empty when it is not an array.
    @inlinable
    public func elements(ofArray index: Int) -> ElementSequence {
        Siblings(
            tape: self, first: index + 1, count: self[index].kind == .array ? Int(self[index].start) : 0, valueOffset: 0
        )
    }

    /// Calls `body` with the unescaped UTF-8 of the string token at `index`: the input bytes
    /// themselves when the string has no escapes (the usual case), a decoded copy otherwise.
    @inlinable
    public func withStringBytes<R, E: Error>(_ index: Int, _ body: (Span<UInt8>) throws(E) -> R) throws(E) -> R {
        if !self[index].hasEscapes { return try body(bytes(index)) }
        var decoded: [UInt8] = []
        decodeString(index, into: &decoded)
        return try body(decoded.span)
    }
}
