import WarrantCrypto

/// Vote counting for one height, and nothing else (as etcd's `quorum/` and Malachite's
/// votekeeper): who voted what in each round and step, how many votes a value has, and
/// which validators sent conflicting votes.
///
/// A validator that signs two different votes for one round and step is Byzantine; both
/// votes are kept and each counts for its own value (as CometBFT does once a peer shows a
/// polka). That is safe — two quorums for different values would need f + 1 equivocators
/// — and it is needed for liveness: a re-proposal's polka, or a commit certificate, may
/// carry an equivocator's other vote.
public struct VoteKeeper: Hashable, Sendable {
    struct Key: Hashable, Sendable {
        let type: VoteType
        let round: UInt64
    }

    public enum Addition: Hashable, Sendable {
        case added
        /// The same vote again.
        case duplicate
        /// A different vote from a validator that already voted in this round and step.
        case conflict(first: SignedVote)
    }

    /// Each validator's votes, the first one first.
    private var votes: [Key: [PublicKey: [SignedVote]]] = [:]

    public init() {}

    public mutating func add(_ vote: SignedVote) -> Addition {
        let key = Key(type: vote.type, round: vote.round)
        if let existing = votes[key]?[vote.validator] {
            if existing.contains(where: { $0.block == vote.block }) { return .duplicate }
            votes[key]![vote.validator]!.append(vote)
            return .conflict(first: existing[0])
        }
        votes[key, default: [:]][vote.validator] = [vote]
        return .added
    }

    /// Validators with a vote of `type` in `round` for exactly `block` (nil counts votes for nil).
    public func count(_ type: VoteType, round: UInt64, for block: Digest?) -> Int {
        votes[Key(type: type, round: round)]?.values.count { $0.contains { $0.block == block } } ?? 0
    }

    /// Validators that voted `type` in `round`, whatever for.
    public func total(_ type: VoteType, round: UInt64) -> Int {
        votes[Key(type: type, round: round)]?.count ?? 0
    }

    /// The votes of `type` in `round` for `block`, one per validator, sorted by validator.
    public func votes(_ type: VoteType, round: UInt64, for block: Digest?) -> [SignedVote] {
        (votes[Key(type: type, round: round)]?.values.compactMap { $0.first { $0.block == block } } ?? [])
            .sorted { $0.validator < $1.validator }
    }

    /// The first vote of `type` in `round` from `validator`.
    public func vote(_ type: VoteType, round: UInt64, from validator: PublicKey) -> SignedVote? {
        votes[Key(type: type, round: round)]?[validator]?.first
    }

    /// Validators that voted (either step) in `round`.
    public func voters(round: UInt64) -> Set<PublicKey> {
        Set((votes[Key(type: .prevote, round: round)]?.keys.map { $0 } ?? [])
            + (votes[Key(type: .precommit, round: round)]?.keys.map { $0 } ?? []))
    }

    /// Rounds in which any vote was seen.
    public var rounds: Set<UInt64> { Set(votes.keys.map(\.round)) }
}
