import WarrantCrypto

/// A Bloom filter over the ids of every request a stored block carried, so that the
/// common question "was this new request committed before?" is answered without touching
/// SQLite: "no" is certain, "maybe" sends the caller to the database. It grows by adding
/// segments of twice the capacity (a scalable Bloom filter), so it never needs sizing in
/// advance and stays under 0.5 % false positives per segment — 1.5 bytes per id.
///
/// Request ids are BLAKE2b digests, uniformly distributed, so their own bits serve as the
/// hash functions (double hashing over two 64-bit words); nobody can aim an id at chosen
/// bits without a preimage.
struct RequestIDFilter: Sendable {
    private struct Segment: Sendable {
        var words: [UInt64]
        let capacity: Int
        var count = 0

        init(capacity: Int) {
            self.capacity = capacity
            // 12 bits per id and 7 probes give about 0.3 % false positives at capacity.
            let bits = max(64, capacity * 12)
            words = [UInt64](repeating: 0, count: (bits + 63) / 64)
        }

        var bitCount: UInt64 { UInt64(words.count * 64) }

        func mayContain(_ probe: (UInt64, UInt64)) -> Bool {
            for i in 0..<RequestIDFilter.probes {
                let bit = (probe.0 &+ UInt64(i) &* probe.1) % bitCount
                if words[Int(bit / 64)] & (1 << (bit % 64)) == 0 { return false }
            }
            return true
        }

        mutating func insert(_ probe: (UInt64, UInt64)) {
            for i in 0..<RequestIDFilter.probes {
                let bit = (probe.0 &+ UInt64(i) &* probe.1) % bitCount
                words[Int(bit / 64)] |= 1 << (bit % 64)
            }
            count += 1
        }
    }

    static let probes = 7
    private var segments: [Segment]

    init(initialCapacity: Int = 1 << 16) {
        segments = [Segment(capacity: max(1, initialCapacity))]
    }

    /// False only for an id never inserted.
    func mayContain(_ id: Digest) -> Bool {
        let probe = Self.probe(id)
        return segments.contains { $0.mayContain(probe) }
    }

    mutating func insert(_ id: Digest) {
        if segments[segments.count - 1].count >= segments[segments.count - 1].capacity {
            segments.append(Segment(capacity: segments[segments.count - 1].capacity * 2))
        }
        segments[segments.count - 1].insert(Self.probe(id))
    }

    /// Two 64-bit words of the digest; the second made odd so that the probes of one id
    /// never collapse onto a single bit.
    private static func probe(_ id: Digest) -> (UInt64, UInt64) {
        let bytes = id.bytes
        var first: UInt64 = 0, second: UInt64 = 0
        for i in 0..<8 {
            first |= UInt64(bytes[i]) << (8 * UInt64(i))
            second |= UInt64(bytes[8 + i]) << (8 * UInt64(i))
        }
        return (first, second | 1)
    }
}
