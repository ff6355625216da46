import WarrantCrypto
import WarrantWire

/// Everything the core needs to never contradict itself after a restart: where it is in
/// the height, its lock and valid value, the votes and the proposal it has sent. The
/// shell writes it (durably) whenever the core emits `.persist`, before any vote or
/// proposal that follows leaves the node.
public struct ConsensusRecord: Hashable, Sendable {
    public struct OwnVote: Hashable, Sendable {
        public let type: VoteType
        public let round: UInt64
        public let block: Digest?

        public init(type: VoteType, round: UInt64, block: Digest?) {
            self.type = type
            self.round = round
            self.block = block
        }
    }

    public var height: UInt64
    public var round: UInt64
    public var step: Step
    public var lockedValue: Block?
    public var lockedRound: Int64
    public var validValue: Block?
    public var validRound: Int64
    /// The 2f + 1 prevotes that made `validValue` valid (its polka), sent along when it is
    /// re-proposed so that peers which lost them — in a restart, say — can accept it (L28).
    public var validPolka: [SignedVote]
    /// Votes this validator cast at `height`.
    public var ownVotes: [OwnVote]
    /// Proposals this validator made at `height`, so a restart re-proposes the same block.
    public var ownProposals: [Proposal]
    /// The chain tip the height builds on.
    public var lastBlockHash: Digest
    public var lastBlockTimeMs: UInt64
    public var lastCertificate: Certificate?
    /// The ledger's state hash after the last decided block (nil until applied).
    public var appliedStateHash: Digest?
    /// Evidence of equivocation held but not yet committed, so a restart keeps it.
    public var pendingEvidence: [Evidence]

    public init(height: UInt64, round: UInt64, step: Step, lockedValue: Block?, lockedRound: Int64, validValue: Block?,
                validRound: Int64, validPolka: [SignedVote] = [], ownVotes: [OwnVote], ownProposals: [Proposal], lastBlockHash: Digest,
                lastBlockTimeMs: UInt64, lastCertificate: Certificate?, appliedStateHash: Digest?, pendingEvidence: [Evidence] = []) {
        self.height = height
        self.round = round
        self.step = step
        self.lockedValue = lockedValue
        self.lockedRound = lockedRound
        self.validValue = validValue
        self.validRound = validRound
        self.validPolka = validPolka
        self.ownVotes = ownVotes
        self.ownProposals = ownProposals
        self.lastBlockHash = lastBlockHash
        self.lastBlockTimeMs = lastBlockTimeMs
        self.lastCertificate = lastCertificate
        self.appliedStateHash = appliedStateHash
        self.pendingEvidence = pendingEvidence
    }
}
