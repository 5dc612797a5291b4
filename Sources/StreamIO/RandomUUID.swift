import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A random RFC 4122 version-4 UUID in its lowercase text form.
public enum RandomUUID {
    /// Two random words and one string, with no intermediate allocations.
    public static func make() -> String {
        let (hi, lo) = randomWords()
        return format(hi: hi & ~0xF000 | 0x4000, lo: lo)  // version 4
    }

    /// The system's random bytes, read 4 KiB at a time: the emulator makes an id per record,
    /// and a system call per word was a tenth of its time.
    private static let pool = Synchronization.Mutex(RandomPool())

    static func randomWords() -> (UInt64, UInt64) {
        pool.withLock { ($0.next(), $0.next()) }
    }
}

/// Words from /dev/urandom (the kernel's generator, as `SystemRandomNumberGenerator` draws them
/// one call at a time), or from that generator when the device cannot be read.
struct RandomPool: ~Copyable {
    private var bytes = [UInt8](repeating: 0, count: 4096)
    private var used = 4096
    private let device = open("/dev/urandom", O_RDONLY | O_CLOEXEC)

    deinit { if device >= 0 { close(device) } }

    mutating func next() -> UInt64 {
        if used == bytes.count { refill() }
        var word: UInt64 = 0
        for k in 0..<8 { word = word << 8 | UInt64(bytes[used + k]) }
        used += 8
        return word
    }

    private mutating func refill() {
        var at = 0
        while device >= 0 && at < bytes.count {
            let n = TextFile.readSome(device, into: &bytes, from: at)
            guard n > 0 else { break }
            at += n
        }
        if at < bytes.count {
            var rng = SystemRandomNumberGenerator()
            for i in bytes.indices { bytes[i] = rng.next() }
        }
        used = 0
    }
}

extension RandomUUID {
    /// The 36-character text form of `hi` and `lo` with the RFC variant bits (10) set, made in
    /// place (no intermediate strings). The version is the caller's (in `hi`). (Digits are
    /// written from the last one back, a nibble at a time: the emulator makes an id per contact
    /// under its store's lock, and the loop this replaced, a nested function over a captured
    /// position, took 1166 instructions an id where this takes about 690.)
    public static func format(hi: UInt64, lo: UInt64) -> String {
        let lo = lo & ~(0xC000 << 48) | (0x8000 << 48)
        return String(unsafeUninitializedCapacity: 36) { out in
            @inline(__always) func digit(_ word: UInt64) -> UInt8 {
                let v = UInt8(truncatingIfNeeded: word) & 0xF
                return v < 10 ? UInt8(ascii: "0") &+ v : UInt8(ascii: "a") &- 10 &+ v
            }
            // Groups of 8-4-4-4-12 digits: `lo` fills the last two and a half, `hi` the rest.
            var word = lo
            for i in stride(from: 35, through: 0, by: -1) where i != 23 && i != 18 && i != 13 && i != 8 {
                out[i] = digit(word)
                word = i == 19 ? hi : word >> 4
            }
            (out[8], out[13], out[18], out[23]) = (45, 45, 45, 45)  // "-"
            return 36
        }
    }

    /// A version-7 UUID (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids made
    /// one after another sort in time order and land at the end of an index instead of at
    /// random places in it (the emulator's stores stay fast as they grow).
    public static func timeOrdered() -> String {
        let (random, lo) = randomWords()
        return format(hi: millisecondsNow() << 16 | 0x7000 | (random & 0x0FFF), lo: lo)  // version 7
    }

    /// The first 64 bits of a version-7 UUID above `previous`, so one maker's ids are in
    /// strictly increasing order even within a millisecond or when the clock steps back
    /// (RFC 9562's monotonic variant: the 12 bits after the version digit then count up from
    /// the previous id's). The caller gives the other 64 (`format(hi:lo:)`).
    public static func timeOrderedWord(after previous: UInt64) -> UInt64 {
        let (random, _) = randomWords()
        let hi = millisecondsNow() << 16 | 0x7000 | (random & 0x0FFF)
        guard hi <= previous else { return hi }
        // previous + 1, counted in the 60 bits around the version digit.
        let next = ((previous >> 16) << 12 | previous & 0x0FFF) + 1
        return (next >> 12) << 16 | 0x7000 | next & 0x0FFF
    }

    /// The first 64 bits of an id in the lowercase text form this type writes; nil for any
    /// other text.
    public static func leadingWord(of id: String) -> UInt64? {
        var text = id
        return text.withUTF8 { bytes -> UInt64? in
            guard bytes.count == 36, bytes[8] == 45, bytes[13] == 45, bytes[18] == 45, bytes[23] == 45 else {
                return nil
            }
            var word: UInt64 = 0
            for i in 0..<18 where i != 8 && i != 13 {
                let c = bytes[i]
                let v: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): v = c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): v = c - UInt8(ascii: "a") + 10
                default: return nil
                }
                word = word << 4 | UInt64(v)
            }
            return word
        }
    }

    private static func millisecondsNow() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec / 1_000_000)
    }
}
