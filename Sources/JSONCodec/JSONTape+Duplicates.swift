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
    /// The first duplicate member name in the object at `index` alone.
    public func duplicateMember(ofObject index: Int) -> DuplicateMember? {
        let count = Int(self[index].start)
        guard count > 1 else { return nil }
        var keys: [Int] = []
        keys.reserveCapacity(count)
        for key in memberKeys(ofObject: index) { keys.append(key) }
        if count <= 32 {
            for b in 1..<count {
                for a in 0..<b where sameName(keys[a], keys[b]) {
                    return DuplicateMember(name: decodeString(keys[b]), first: a + 1, second: b + 1)
                }
            }
            return nil
        }
        var seen: [String: Int] = [:]
        for (position, key) in keys.enumerated() {
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

    private func sameName(_ a: Int, _ b: Int) -> Bool {
        let ta = self[a], tb = self[b]
        if ta.hasEscapes || tb.hasEscapes { return decodeString(a) == decodeString(b) }
        return ta.end - ta.start == tb.end - tb.start && stringEquals(b, rawBytes(a))
    }
}
