import Hashing
import XCTest
import SyncCore

@testable import Dedupe

/// The persistent key and content hash behaves like a random 128-bit function on the inputs
/// this tool hashes (docs/state.md, "Why a 128-bit hash"): no bias in any output bit, and as
/// many collisions in any 32 bits of it as chance gives. The inputs are fixed, so the counts are too.
final class StableHash128Tests: XCTestCase {
    /// Keys and records of the shapes cv-dedupe hashes: sequential ids, emails, and canonical
    /// records that differ in one field.
    private static func inputs(_ n: Int) -> [[UInt8]] {
        (0..<n).map { i in
            switch i % 4 {
            case 0: return Array("contact:userId:\(i / 4)".utf8)
            case 1: return Array("event:e-\(i / 4)".utf8)
            case 2: return Array("contact:email:user\(i / 4)@example.com".utf8)
            default:
                return Array(
                    #"{"email":"a@x.com","fields":{"city":"Lisbon","lead_score":\#(i / 4)},"userId":"7"}"#.utf8)
            }
        }
    }

    func testAnyThirtyTwoBitsCollideAsOftenAsChanceGives() {
        let n = 1 << 20
        let hashes = Self.inputs(n).map { StableHash128($0) }
        // n²/2³³ ≈ 128 pairs expected per 32-bit slice; Poisson, so ±5σ is about 70 to 185.
        for (name, slice) in [
            ("hi high", { (h: StableHash128) in UInt32(h.hi >> 32) }),
            ("hi low", { UInt32(truncatingIfNeeded: $0.hi) }),
            ("lo high", { UInt32($0.lo >> 32) }), ("lo low", { UInt32(truncatingIfNeeded: $0.lo) }),
        ] {
            var counts: [UInt32: Int] = [:]
            for h in hashes { counts[slice(h), default: 0] += 1 }
            let pairs = counts.values.reduce(0) { $0 + $1 * ($1 - 1) / 2 }
            XCTAssert((70...185).contains(pairs), "\(name): \(pairs) colliding pairs among \(n)")
        }
        XCTAssertEqual(Set(hashes).count, n, "no two inputs share all 128 bits")
    }

    func testEveryInputBitChangesEveryOutputBitHalfTheTime() {
        var random = SplitMix64(seed: 7)
        var flips = [Int](repeating: 0, count: 128)
        var trials = 0
        for length in [1, 7, 8, 13, 24, 40] {
            for _ in 0..<150 {
                let input = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
                let base = StableHash128(input)
                for bit in 0..<(length * 8) {
                    var changed = input
                    changed[bit / 8] ^= 1 << UInt8(bit % 8)
                    let h = StableHash128(changed)
                    let (dh, dl) = (base.hi ^ h.hi, base.lo ^ h.lo)
                    for k in 0..<64 {
                        flips[k] += Int(dh >> UInt64(k) & 1)
                        flips[64 + k] += Int(dl >> UInt64(k) & 1)
                    }
                    trials += 1
                }
            }
        }
        let worst = flips.map { abs(Double($0) / Double(trials) - 0.5) }.max()!
        XCTAssertLessThan(worst, 0.01, "largest bias of an output bit over \(trials) single-bit changes")
    }
}
