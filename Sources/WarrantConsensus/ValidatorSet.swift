import WarrantCrypto

/// The n = 3f + 1 equal-weight validators of a cluster, in a fixed order (ascending key
/// bytes), with the quorum sizes Algorithm 1 uses and a deterministic proposer rotation.
public struct ValidatorSet: Hashable, Sendable {
    public let validators: [PublicKey]

    public init(_ keys: [PublicKey]) {
        validators = Array(Set(keys)).sorted()
        precondition(!validators.isEmpty, "a validator set needs at least one validator")
    }

    public var count: Int { validators.count }
    /// Faults tolerated: the largest f with 3f + 1 ≤ n.
    public var f: Int { (count - 1) / 3 }
    /// 2f + 1: a quorum (any two intersect in an honest validator).
    public var quorum: Int { 2 * f + 1 }
    /// f + 1: enough that at least one is honest (round skip, L55).
    public var skipThreshold: Int { f + 1 }

    public func contains(_ key: PublicKey) -> Bool { validators.contains(key) }

    /// Round-robin over heights and rounds: proposer(h, r) = validators[(h + r) mod n].
    public func proposer(height: UInt64, round: UInt64) -> PublicKey {
        validators[Int((height &+ round) % UInt64(count))]
    }
}
