/// A Bloom filter over acknowledged keys, kept in the state file, so that a run's new keys
/// (most of them, in an incremental sync) skip the database entirely.
struct BloomFilter {
    private(set) var words: [UInt64]
    let hashes = 7

    /// Sized for `capacity` keys at about 1% false positives (10 bits a key), at least 1 MiB.
    init(capacity: Int) {
        words = [UInt64](repeating: 0, count: max(1 << 17, capacity * 10 / 64 + 1))
    }

    init?(words: [UInt64]) {
        guard words.count >= 64 else { return nil }
        self.words = words
    }

    var bitCount: Int { words.count * 64 }

    /// Keys it holds before false positives climb past about 1%.
    var capacity: Int { bitCount / 10 }

    /// Maps a 64-bit hash onto 0..<bitCount by multiply-shift (any size, no modulo bias worth noting).
    @inline(__always)
    private func bit(_ h: UInt64) -> Int { Int(h.multipliedFullWidth(by: UInt64(bitCount)).high) }

    mutating func insert(_ key: StableHash128) {
        var h = key.lo
        for _ in 0..<hashes {
            let b = bit(h)
            words[b >> 6] |= 1 << UInt64(b & 63)
            h = h &+ (key.hi | 1)
        }
    }

    func mightContain(_ key: StableHash128) -> Bool {
        var h = key.lo
        for _ in 0..<hashes {
            let b = bit(h)
            if words[b >> 6] & (1 << UInt64(b & 63)) == 0 { return false }
            h = h &+ (key.hi | 1)
        }
        return true
    }
}
