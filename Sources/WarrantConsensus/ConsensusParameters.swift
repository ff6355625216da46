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

    public init(timeoutProposeMs: UInt64 = 1_000, timeoutPrevoteMs: UInt64 = 500, timeoutPrecommitMs: UInt64 = 500,
                timeoutDeltaMs: UInt64 = 250, heartbeatIntervalMs: UInt64 = 1_000, rebroadcastIntervalMs: UInt64 = 500,
                maxBlockRequests: Int = 1_000, maxBlockBytes: Int = 1 << 20) {
        self.timeoutProposeMs = timeoutProposeMs
        self.timeoutPrevoteMs = timeoutPrevoteMs
        self.timeoutPrecommitMs = timeoutPrecommitMs
        self.timeoutDeltaMs = timeoutDeltaMs
        self.heartbeatIntervalMs = heartbeatIntervalMs
        self.rebroadcastIntervalMs = rebroadcastIntervalMs
        self.maxBlockRequests = maxBlockRequests
        self.maxBlockBytes = maxBlockBytes
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
