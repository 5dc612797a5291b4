import JSONCodec
import WarehouseCore

extension JSONTape {
    /// The value token of member `name` of the object at `index`, if it has one.
    func member(_ name: String, of index: Int) -> Int? {
        guard self[index].kind == .object else { return nil }
        var copy = name
        return copy.withUTF8 { bytes in
            for key in memberKeys(ofObject: index) where stringEquals(key, bytes) { return key + 1 }
            return nil
        }
    }

    /// The element tokens of the array at `index` (empty for anything else).
    func elements(of index: Int) -> [Int] {
        guard self[index].kind == .array else { return [] }
        var out: [Int] = []
        out.reserveCapacity(Int(self[index].start))
        var k = index + 1
        for _ in 0..<Int(self[index].start) {
            out.append(k)
            k = Int(self[k].next)
        }
        return out
    }

    /// The string at member `name`, decoded; nil when absent or not a string.
    func string(_ name: String, of index: Int) -> String? {
        guard let v = member(name, of: index), self[v].kind == .string else { return nil }
        return decodeString(v)
    }

    /// Member `name` as an owned value (for small parts: schemas, statuses, errors).
    func value(_ name: String, of index: Int) -> JSONValue? {
        member(name, of: index).map { value(at: $0) }
    }
}
