/// What can go wrong in a simulated run. Network faults act on links; the Byzantine ones
/// are behaviours of up to f faulty validators.
public enum SimFault: String, CaseIterable, Hashable, Sendable {
    // Network and process faults (they may hit any node).
    case drop, duplicate, delay, partition, oneWay = "one-way", crash, skew
    /// One honest node cut off from everyone for 8–25 s (dozens of heights), then back:
    /// it must catch up.
    case longPartition = "long-partition"
    /// A node's clock running fast or slow (0.5–5 %), not merely offset.
    case clockRate = "clock-rate"
    /// After the faults, half the seeds heal only a quorum "core" of honest nodes and make
    /// every other fault permanent (the rest stay crashed or cut off); the core alone must
    /// then commit within the liveness bound (as TigerBeetle's VOPR does).
    case livenessCore = "liveness-core"
    // Byzantine behaviours (only of the faulty validators).
    case equivocate, withhold, invalidVote = "invalid-vote", forgedProposal = "forged-proposal", replay, twins

    public var isByzantine: Bool {
        switch self {
        case .equivocate, .withhold, .invalidVote, .forgedProposal, .replay, .twins: true
        default: false
        }
    }

    /// Parses `all` or a comma-separated list.
    public static func parse(_ text: String) -> Set<SimFault>? {
        if text == "all" { return Set(allCases) }
        if text.isEmpty || text == "none" { return [] }
        var faults: Set<SimFault> = []
        for name in text.split(separator: ",") {
            guard let fault = SimFault(rawValue: String(name)) else { return nil }
            faults.insert(fault)
        }
        return faults
    }
}

/// A deliberate bug planted in every honest simulated node, to prove the checkers fail.
public enum SimSabotage: String, CaseIterable, Hashable, Sendable {
    case skipLock = "skip-lock"
    case ignoreExpiry = "ignore-expiry"
    case acceptBadSignature = "accept-bad-signature"
    case quorumOffByOne = "quorum-off-by-one"
    /// A restarted node counts every peer as heard at its start (rule 4).
    case resetStalenessOnRestart = "reset-staleness-on-restart"
    /// The clock is judged against the last block's time (rule 4, the clock half).
    case trustOwnBlockTimes = "trust-own-block-times"
}

/// A fault at a fixed time, for scenarios that need one exact schedule (on top of, or
/// instead of, the seeded random faults). Times are ms after the run starts.
public struct ScriptedFault: Hashable, Sendable {
    public enum Action: Hashable, Sendable {
        /// Shift a node's clock (negative: behind) until `heal` or the end of the faults.
        case skew(node: Int, ms: Int64)
        /// Cut the given nodes off from the rest (both ways).
        case partition([Int])
        /// End partitions and one-way cuts (clocks stay as they are).
        case heal
        case crash(node: Int)
        /// Bring a crashed node back from its persisted record and ledger, or with
        /// `emptyDataDirectory` from nothing, as a node whose disk was replaced.
        case restart(node: Int, emptyDataDirectory: Bool = false)
    }

    public var atMs: UInt64
    public var action: Action

    public init(atMs: UInt64, _ action: Action) {
        self.atMs = atMs
        self.action = action
    }
}

public struct SimulationOptions: Hashable, Sendable {
    public var nodes: Int
    public var byzantine: Int
    public var faults: Set<SimFault>
    /// Heights every honest node should reach; the run stops there (or at its time limit).
    public var heights: UInt64
    public var sabotage: SimSabotage?
    /// Faults at fixed times; every fault ends (clocks fixed, crashed nodes restarted) at
    /// the latest of these and the end of the random faults.
    public var script: [ScriptedFault]

    public init(nodes: Int = 4, byzantine: Int = 0, faults: Set<SimFault> = [], heights: UInt64 = 20,
                sabotage: SimSabotage? = nil, script: [ScriptedFault] = []) {
        self.script = script
        self.nodes = nodes
        self.byzantine = byzantine
        self.faults = faults
        self.heights = heights
        self.sabotage = sabotage
    }
}
