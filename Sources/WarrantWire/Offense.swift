import WarrantCrypto

/// What a piece of `Evidence` proves: validator `validator` signed two different votes of
/// one kind for one height and round. Decoded from the evidence's two envelopes; one
/// offense has one key (`validator`, `kind`, `height`, `round`) however many different
/// pairs of votes show it.
public struct Offense: Hashable, Sendable, Codable {
    public struct Key: Hashable, Sendable, Comparable {
        public let validator: PublicKey
        public let kind: MessageKind
        public let height: UInt64
        public let round: UInt64

        public static func < (a: Key, b: Key) -> Bool {
            (a.validator, a.kind.rawValue, a.height, a.round) < (b.validator, b.kind.rawValue, b.height, b.round)
        }
    }

    public let validator: PublicKey
    /// `prevote` or `precommit`.
    public let kind: MessageKind
    public let height: UInt64
    public let round: UInt64
    /// The two blocks voted for (nil: a vote for nil), in the evidence's order.
    public let firstBlock: Digest?
    public let secondBlock: Digest?

    public init(validator: PublicKey, kind: MessageKind, height: UInt64, round: UInt64, firstBlock: Digest?, secondBlock: Digest?) {
        self.validator = validator
        self.kind = kind
        self.height = height
        self.round = round
        self.firstBlock = firstBlock
        self.secondBlock = secondBlock
    }

    public var key: Key { Key(validator: validator, kind: kind, height: height, round: round) }
}

extension Evidence {
    /// The offense these two votes prove, checking everything but the signatures (which
    /// the caller verifies, `SignatureScheme.verifies` on each envelope): both are votes
    /// of the same kind from the same sender, for the same height and round, naming
    /// different blocks.
    public func offense(limits: WireLimits = .default) throws(WireError) -> Offense {
        let a = try Envelope(decoding: first.bytes, limits: limits)
        let b = try Envelope(decoding: second.bytes, limits: limits)
        guard a.kind == .prevote || a.kind == .precommit else {
            throw WireError(.badValue, "evidence must hold votes, not \(a.kind.name)", path: "first")
        }
        guard a.kind == b.kind else { throw WireError(.badValue, "evidence votes are of different kinds", path: "second") }
        guard a.sender == b.sender else { throw WireError(.badValue, "evidence votes come from different validators", path: "second") }
        let voteA = try Self.vote(a, limits: limits), voteB = try Self.vote(b, limits: limits)
        guard voteA.height == voteB.height, voteA.round == voteB.round else {
            throw WireError(.badValue, "evidence votes are for different heights or rounds", path: "second")
        }
        guard voteA.block != voteB.block else { throw WireError(.badValue, "evidence votes do not conflict", path: "second") }
        return Offense(validator: a.sender, kind: a.kind, height: voteA.height, round: voteA.round,
                       firstBlock: voteA.block, secondBlock: voteB.block)
    }

    /// The two envelopes, for signature checks at the edge.
    public func envelopes(limits: WireLimits = .default) throws(WireError) -> [Envelope] {
        [try Envelope(decoding: first.bytes, limits: limits), try Envelope(decoding: second.bytes, limits: limits)]
    }

    private static func vote(_ envelope: Envelope, limits: WireLimits) throws(WireError) -> (height: UInt64, round: UInt64, block: Digest?) {
        let vote: any VoteBody = envelope.kind == .prevote ? try Prevote(cbor: envelope.body, limits: limits)
            : try Precommit(cbor: envelope.body, limits: limits)
        return (vote.height, vote.round, vote.block)
    }
}
