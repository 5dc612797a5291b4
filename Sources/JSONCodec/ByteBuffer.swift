/// Anything bytes can be appended to: `[UInt8]` and `ByteBuffer`. Lets formatting code
/// (timestamps, base64) write straight into an output buffer.
public protocol ByteOutput: ~Copyable {
    mutating func append(_ byte: UInt8)
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>)
    mutating func append(contentsOf bytes: Span<UInt8>)
}

extension ByteOutput where Self: ~Copyable {
    @inlinable @inline(__always)
    public mutating func append(contentsOf bytes: Span<UInt8>) {
        bytes.withUnsafeBufferPointer { append(contentsOf: $0) }
    }
}

extension Array: ByteOutput where Element == UInt8 {}

/// A growable byte buffer over raw memory. Appends are a capacity check and a store (or a
/// memcpy): no uniqueness checks, no generic dispatch. Not copyable, so it has one owner.
public struct ByteBuffer: ~Copyable, ByteOutput {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var capacity: Int
    @usableFromInline var storedCount = 0
    public var count: Int { storedCount }

    public init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    @inlinable @inline(__always)
    public mutating func append(_ byte: UInt8) {
        if storedCount == capacity { grow(storedCount + 1) }
        base[storedCount] = byte
        storedCount += 1
    }

    @inlinable @inline(__always)
    public mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        let n = bytes.count
        if storedCount + n > capacity { grow(storedCount + n) }
        if n > 0 { (base + storedCount).update(from: bytes.baseAddress!, count: n) }
        storedCount += n
    }

    @inlinable
    public mutating func append(contentsOf bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { append(contentsOf: $0) }
    }

    /// Appends `value` in decimal, digits written in place from the last.
    @inlinable
    public mutating func appendDecimal(_ value: Int) {
        if storedCount + 20 > capacity { grow(storedCount + 20) }
        if value < 0 {
            base[storedCount] = UInt8(ascii: "-")
            storedCount += 1
        }
        var magnitude = value.magnitude
        var digits = 1
        var rest = magnitude
        while rest >= 10 {
            rest /= 10
            digits += 1
        }
        var i = storedCount + digits
        storedCount = i
        repeat {
            i -= 1
            base[i] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
    }

    /// Appends `value`'s bytes, least significant first (binary spill and pending files).
    @inlinable
    public mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        let size = MemoryLayout<T>.size
        if storedCount + size > capacity { grow(storedCount + size) }
        UnsafeMutableRawPointer(base + storedCount).storeBytes(of: value.littleEndian, as: T.self)
        storedCount += size
    }

    @usableFromInline @inline(never)
    mutating func grow(_ needed: Int) {
        var bigger = capacity * 2
        while bigger < needed { bigger *= 2 }
        let memory = UnsafeMutablePointer<UInt8>.allocate(capacity: bigger)
        memory.update(from: base, count: count)
        base.deallocate()
        base = memory
        capacity = bigger
    }

    /// Drops everything from `mark` on (undoing a partly written value).
    public mutating func removeSubrange(_ range: PartialRangeFrom<Int>) {
        precondition(range.lowerBound >= 0 && range.lowerBound <= count)
        storedCount = range.lowerBound
    }

    public mutating func remove(at index: Int) {
        precondition(index >= 0 && index < count)
        (base + index).update(from: base + index + 1, count: count - index - 1)
        storedCount -= 1
    }

    public mutating func removeAll() { storedCount = 0 }

    /// The content as a view that cannot outlive the buffer (or a change to it).
    public var span: Span<UInt8> {
        @_lifetime(borrow self)
        borrowing get { _overrideLifetime(Span(_unsafeStart: base, count: count), borrowing: self) }
    }

    /// `span` for a buffer that a class holds, where a view cannot outlive the property access.
    public func withSpan<R, E: Error>(_ body: (Span<UInt8>) throws(E) -> R) throws(E) -> R {
        try body(span)
    }

    public func withUnsafeBufferPointer<R, E: Error>(_ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R
    {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    /// Appends another buffer's content (callers need no pointer for it).
    public mutating func append(_ other: borrowing ByteBuffer) {
        other.withUnsafeBufferPointer { append(contentsOf: $0) }
    }

    /// A copy of the content.
    public var array: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// The content as text (invalid UTF-8 repaired).
    public var text: String { String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self) }
}
