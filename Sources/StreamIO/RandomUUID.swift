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
    /// place (no intermediate strings). The version is the caller's. (Digits are written from
    /// the last one back, a nibble at a time: the emulator makes one id per record under its
    /// store's lock, and a loop that asked at each digit whether a dash came first cost it 5%.)
    static func format(hi: UInt64, lo: UInt64) -> String {
        let lo = lo & ~(0xC000 << 48) | (0x8000 << 48)
        return String(unsafeUninitializedCapacity: 36) { out in
            @inline(__always) func digit(_ word: UInt64) -> UInt8 {
                let v = UInt8(truncatingIfNeeded: word) & 0xF
                return v < 10 ? UInt8(ascii: "0") &+ v : UInt8(ascii: "a") &- 10 &+ v
            }
            // Groups of 8-4-4-4-12 digits; each word fills two and a half of them.
            var word = lo
            for i in stride(from: 35, through: 24, by: -1) {
                out[i] = digit(word)
                word >>= 4
            }
            for i in stride(from: 22, through: 19, by: -1) {
                out[i] = digit(word)
                word >>= 4
            }
            word = hi
            for i in stride(from: 17, through: 14, by: -1) {
                out[i] = digit(word)
                word >>= 4
            }
            for i in stride(from: 12, through: 9, by: -1) {
                out[i] = digit(word)
                word >>= 4
            }
            for i in stride(from: 7, through: 0, by: -1) {
                out[i] = digit(word)
                word >>= 4
            }
            (out[8], out[13], out[18], out[23]) = (45, 45, 45, 45)  // "-"
            return 36
        }
    }

    /// A version-7 UUID (RFC 9562): 48 bits of Unix milliseconds, then random bits, so ids made
    /// one after another sort in time order and land at the end of an index instead of at
    /// random places in it (the emulator's stores stay fast as they grow).
    public static func timeOrdered() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        let millis = UInt64(ts.tv_sec) * 1000 + UInt64(ts.tv_nsec / 1_000_000)
        let (random, lo) = randomWords()
        return format(hi: millis << 16 | 0x7000 | (random & 0x0FFF), lo: lo)  // version 7
    }
}
