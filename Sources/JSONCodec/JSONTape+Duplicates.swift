/// Duplicate member names: JSON allows them, but every consumer here would silently keep one
/// of the two (a row's last `email`, a record key taken from the first), so they are found and
/// refused by name.
public struct DuplicateMember: Equatable, Sendable {
    public var name: String
    /// 1-based positions of the two members within their object.
    public var first: Int
    public var second: Int
}

extension JSONTape {
    /// The first duplicate member name in the object at `index` alone. Up to 32 members it
    /// compares pairs in place (no allocation: this runs once per row); wider objects go
    /// through a dictionary.
    public func duplicateMember(ofObject index: Int) -> DuplicateMember? {
        let count = Int(self[index].start)
        guard count > 1 else { return nil }
        guard count <= 32 else { return duplicateMemberHashed(ofObject: index) }
        // Keys by index (a key's value ends where the next key starts): no iterator, no retain.
        var b = index + 1
        for second in 0..<count {
            var a = index + 1
            for first in 0..<second {
                if sameName(a, b) {
                    return DuplicateMember(name: decodeString(b), first: first + 1, second: second + 1)
                }
                a = Int(self[a + 1].next)
            }
            b = Int(self[b + 1].next)
        }
        return nil
    }

    private func duplicateMemberHashed(ofObject index: Int) -> DuplicateMember? {
        var seen: [String: Int] = [:]
        for (position, key) in memberKeys(ofObject: index).enumerated() {
            let name = decodeString(key)
            if let earlier = seen[name] { return DuplicateMember(name: name, first: earlier + 1, second: position + 1) }
            seen[name] = position
        }
        return nil
    }

    /// The first duplicate member name in any object of the value at `index`, nested ones included.
    public func firstDuplicateMember(in index: Int = 0) -> DuplicateMember? {
        let end = Int(self[index].next)
        var i = index
        while i < end {
            if self[i].kind == .object, let found = duplicateMember(ofObject: i) { return found }
            i += 1
        }
        return nil
    }

    @inline(__always)
    private func sameName(_ a: Int, _ b: Int) -> Bool {
        let ta = self[a]
        let tb = self[b]
        if ta.hasEscapes || tb.hasEscapes { return decodeString(a) == decodeString(b) }
        let n = Int(ta.end - ta.start)
        guard n == Int(tb.end - tb.start) else { return false }
        return n == 0 || memcmp(storage.bytes + Int(ta.start), storage.bytes + Int(tb.start), n) == 0
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
