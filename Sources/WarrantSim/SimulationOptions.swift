/// What can go wrong in a simulated run. Network faults act on links; the Byzantine ones
/// are behaviours of up to f faulty validators.
public enum SimFault: String, CaseIterable, Hashable, Sendable {
    // Network and process faults (they may hit any node).
    case drop, duplicate, delay, partition, oneWay = "one-way", crash, skew
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
}

public struct SimulationOptions: Hashable, Sendable {
    public var nodes: Int
    public var byzantine: Int
    public var faults: Set<SimFault>
    /// Heights every honest node should reach; the run stops there (or at its time limit).
    public var heights: UInt64
    public var sabotage: SimSabotage?

    public init(nodes: Int = 4, byzantine: Int = 0, faults: Set<SimFault> = [], heights: UInt64 = 20,
                sabotage: SimSabotage? = nil) {
        self.nodes = nodes
        self.byzantine = byzantine
        self.faults = faults
        self.heights = heights
        self.sabotage = sabotage
    }
}
