import WarrantCrypto

/// An order-independent hash of a set of records that updates in O(1) per change: the
/// sum, modulo 2^512, of the BLAKE2b-512 of each record's canonical bytes (AdHash).
/// Inserting adds a record's digest, removing subtracts it, so the state hash after a
/// block costs work proportional to what the block changed, not to the whole state,
/// and recomputing it from scratch (after reopening a store) gives the same value.
///
/// AdHash detects honest divergence (a bug, a lost write, a different rule); it is not
/// meant to resist an adversary searching for colliding record sets.
struct SetHash: Hashable, Sendable {
    /// Little-endian 64-bit limbs of the 512-bit sum.
    private(set) var limbs = [UInt64](repeating: 0, count: 8)

    mutating func insert(_ record: [UInt8]) { add(Blake2b.hash512(record), negate: false) }
    mutating func remove(_ record: [UInt8]) { add(Blake2b.hash512(record), negate: true) }

    private mutating func add(_ digest: [UInt8], negate: Bool) {
        var carry: UInt64 = 0
        for i in 0..<8 {
            var word: UInt64 = 0
            for b in 0..<8 { word |= UInt64(digest[i * 8 + b]) << UInt64(8 * b) }
            if negate {
                let (d1, o1) = limbs[i].subtractingReportingOverflow(word)
                let (d2, o2) = d1.subtractingReportingOverflow(carry)
                limbs[i] = d2
                carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
            } else {
                let (s1, o1) = limbs[i].addingReportingOverflow(word)
                let (s2, o2) = s1.addingReportingOverflow(carry)
                limbs[i] = s2
                carry = (o1 ? 1 : 0) + (o2 ? 1 : 0)
            }
        }
    }

    var bytes: [UInt8] {
        limbs.flatMap { limb in (0..<8).map { UInt8(truncatingIfNeeded: limb >> UInt64(8 * $0)) } }
    }
}
