/// A Bloom filter over acknowledged keys, kept in the state file, so that a run's new keys
/// (most of them, in an incremental sync) skip the database entirely.
struct BloomFilter {
    private(set) var words: [UInt64]
    let hashes = 7

    /// Sized for `capacity` keys at about 1% false positives (10 bits a key), at least 1 MiB.
    init(capacity: Int) {
        var bits = 1 << 23
        while bits < capacity * 10 { bits <<= 1 }
        words = [UInt64](repeating: 0, count: bits / 64)
    }

    init?(words: [UInt64]) {
        guard words.count >= 64, words.count & (words.count - 1) == 0 else { return nil }
        self.words = words
    }

    var bitCount: Int { words.count * 64 }

    /// Keys it holds before false positives climb past about 1%.
    var capacity: Int { bitCount / 10 }

    mutating func insert(_ key: StableHash128) {
        let mask = UInt64(bitCount - 1)
        var h = key.lo
        for _ in 0..<hashes {
            let bit = Int(h & mask)
            words[bit >> 6] |= 1 << UInt64(bit & 63)
            h = h &+ key.hi | 1
        }
    }

    func mightContain(_ key: StableHash128) -> Bool {
        let mask = UInt64(bitCount - 1)
        var h = key.lo
        for _ in 0..<hashes {
            let bit = Int(h & mask)
            if words[bit >> 6] & (1 << UInt64(bit & 63)) == 0 { return false }
            h = h &+ key.hi | 1
        }
        return true
    }
}
