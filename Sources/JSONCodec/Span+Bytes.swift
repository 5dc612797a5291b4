#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few collection operations code outside the codec needs on a byte view; a `Span` is not a
/// `Collection`, and these keep callers from reaching for a pointer to get them.
extension Span where Element == UInt8 {
    /// A copy of the bytes.
    @inlinable
    public var array: [UInt8] { withUnsafeBufferPointer { Array($0) } }

    @inlinable
    public func allSatisfy(_ predicate: (UInt8) -> Bool) -> Bool {
        withUnsafeBufferPointer { $0.allSatisfy(predicate) }
    }

    @inlinable
    public func firstIndex(of byte: UInt8) -> Int? {
        withUnsafeBufferPointer { $0.firstIndex(of: byte) }
    }

    @inlinable
    public func lastIndex(of byte: UInt8) -> Int? {
        withUnsafeBufferPointer { $0.lastIndex(of: byte) }
    }

    @inlinable
    public var first: UInt8? { isEmpty ? nil : self[0] }

    @inlinable
    public var last: UInt8? { isEmpty ? nil : self[count - 1] }

    /// Byte order (as memcmp, then the shorter first): negative, zero or positive.
    @inlinable
    public func compareBytes(_ other: Span<UInt8>) -> Int {
        withUnsafeBufferPointer { x in
            other.withUnsafeBufferPointer { y in
                let n = Swift.min(x.count, y.count)
                if n > 0 {
                    let c = memcmp(x.baseAddress!, y.baseAddress!, n)
                    if c != 0 { return Int(c) }
                }
                return x.count - y.count
            }
        }
    }

    /// The integer stored least significant byte first at `offset` (what
    /// `ByteBuffer.appendLittleEndian` wrote); bounds-checked.
    @inlinable @inline(__always)
    public func loadLittleEndian<T: FixedWidthInteger & BitwiseCopyable>(_: T.Type, at offset: Int) -> T {
        precondition(offset >= 0 && offset <= count - MemoryLayout<T>.size, "read past the end of the bytes")
        return withUnsafeBufferPointer {
            T(littleEndian: UnsafeRawBufferPointer($0).loadUnaligned(fromByteOffset: offset, as: T.self))
        }
    }

    /// Whether the bytes are well-formed UTF-8 (JSON strings can hold nothing else).
    @inlinable
    public var isValidUTF8: Bool {
        withUnsafeBufferPointer { String(validating: $0, as: UTF8.self) != nil }
    }
}

extension String {
    /// The bytes as text, invalid UTF-8 repaired.
    @inlinable
    public init(decodingUTF8 bytes: Span<UInt8>) {
        self = bytes.withUnsafeBufferPointer { String(decoding: $0, as: UTF8.self) }
    }
}
