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
    }

    public var height: UInt64
    public var round: UInt64
    public var step: Step
    public var lockedValue: Block?
    public var lockedRound: Int64
    public var validValue: Block?
    public var validRound: Int64
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
}
