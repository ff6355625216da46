import WarrantFaults

/// Timing and size parameters of the consensus core, in milliseconds. Timeouts grow
/// linearly with the round (Algorithm 1 needs them to grow so that, after GST, a round
/// eventually lasts long enough for every honest message to arrive).
public struct ConsensusParameters: Hashable, Sendable {
    public var timeoutProposeMs: UInt64
    public var timeoutPrevoteMs: UInt64
    public var timeoutPrecommitMs: UInt64
    /// Added to each timeout per round.
    public var timeoutDeltaMs: UInt64
    /// An idle proposer proposes an empty block this long after the last block, and no sooner.
    public var heartbeatIntervalMs: UInt64
    /// How often the current proposal, own votes and last certificate are sent again.
    public var rebroadcastIntervalMs: UInt64
    public var maxBlockRequests: Int
    public var maxBlockBytes: Int
    /// Most evidence items in one block, and most kept waiting to be proposed.
    public var maxBlockEvidence: Int = 16
    public var maxPendingEvidence: Int = 256
    /// Proposer-based timestamps: how far apart two honest clocks may be (the cluster's
    /// `maxClockSkew`). A fresh proposal dated more than this ahead of a node's clock is
    /// not timely there.
    public var precisionMs: UInt64
    /// The longest a proposal is expected to travel in round 0; a fresh proposal older
    /// than `precision + messageDelay(round)` on arrival is not timely.
    public var messageDelayMs: UInt64
    /// Added to the message delay per round, so that after enough rounds any proposal
    /// that was delayed (or lost and sent again) is timely and the height can end.
    public var messageDelayDeltaMs: UInt64
    /// A round-0 proposer with requests waits until the oldest has waited this long (or
    /// the block is full) before proposing, so that one block carries a batch and its
    /// per-block costs — votes, signatures, a database transaction — are shared. 0
    /// proposes at the first request. Delaying a proposal never risks safety.
    public var batchDelayMs: UInt64 = 0
    /// Planted bugs the core honours (`skip-lock`, `quorum-off-by-one`), only to prove
    /// that the checkers catch them; empty on every real deployment.
    public var sabotage: Set<Sabotage> = []

    public init(timeoutProposeMs: UInt64 = 1_000, timeoutPrevoteMs: UInt64 = 500, timeoutPrecommitMs: UInt64 = 500,
                timeoutDeltaMs: UInt64 = 250, heartbeatIntervalMs: UInt64 = 1_000, rebroadcastIntervalMs: UInt64 = 500,
                maxBlockRequests: Int = 1_000, maxBlockBytes: Int = 1 << 20, precisionMs: UInt64 = 500,
                messageDelayMs: UInt64 = 1_000, messageDelayDeltaMs: UInt64 = 500) {
        self.timeoutProposeMs = timeoutProposeMs
        self.timeoutPrevoteMs = timeoutPrevoteMs
        self.timeoutPrecommitMs = timeoutPrecommitMs
        self.timeoutDeltaMs = timeoutDeltaMs
        self.heartbeatIntervalMs = heartbeatIntervalMs
        self.rebroadcastIntervalMs = rebroadcastIntervalMs
        self.maxBlockRequests = maxBlockRequests
        self.maxBlockBytes = maxBlockBytes
        self.precisionMs = precisionMs
        self.messageDelayMs = messageDelayMs
        self.messageDelayDeltaMs = messageDelayDeltaMs
    }

    /// The message delay allowed to a fresh proposal of `round`.
    public func messageDelay(round: UInt64) -> UInt64 { messageDelayMs + messageDelayDeltaMs * round }

    /// Whether a fresh proposal dated `blockTimeMs`, received at local time `now` in
    /// `round`, is timely: `now − precision − messageDelay(round) ≤ time ≤ now + precision`.
    public func isTimely(blockTimeMs: UInt64, receivedAt now: UInt64, round: UInt64) -> Bool {
        let earliest = now.subtractingClamped(precisionMs + messageDelay(round: round))
        return blockTimeMs >= earliest && blockTimeMs <= now + precisionMs
    }

    public func timeout(_ kind: TimeoutKind, round: UInt64) -> UInt64 {
        let base: UInt64
        switch kind {
        case .propose: base = timeoutProposeMs
        case .prevote: base = timeoutPrevoteMs
        case .precommit: base = timeoutPrecommitMs
        case .rebroadcast: return rebroadcastIntervalMs
        case .heartbeat: return heartbeatIntervalMs
        }
        return base + timeoutDeltaMs * round
    }
}

extension UInt64 {
    func subtractingClamped(_ other: UInt64) -> UInt64 { self > other ? self - other : 0 }
}
