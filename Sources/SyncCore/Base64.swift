import JSONCodec

/// Standard base64 (RFC 4648, with padding), as DESIGN.md §2 asks for binary columns.
public enum Base64 {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode<Output: ByteOutput & ~Copyable>(_ input: Span<UInt8>, into out: inout Output) {
        let n = input.count
        var i = 0
        let a = alphabet.span
        do {
            while i + 3 <= n {
                let v = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
                out.append(a[Int(v >> 18 & 63)])
                out.append(a[Int(v >> 12 & 63)])
                out.append(a[Int(v >> 6 & 63)])
                out.append(a[Int(v & 63)])
                i += 3
            }
            let rest = n - i
            if rest == 1 {
                let v = UInt32(input[i]) << 16
                out.append(a[Int(v >> 18 & 63)])
                out.append(a[Int(v >> 12 & 63)])
                out.append(UInt8(ascii: "="))
                out.append(UInt8(ascii: "="))
            } else if rest == 2 {
                let v = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8
                out.append(a[Int(v >> 18 & 63)])
                out.append(a[Int(v >> 12 & 63)])
                out.append(a[Int(v >> 6 & 63)])
                out.append(UInt8(ascii: "="))
            }
        }
    }

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        encode(bytes.span, into: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
