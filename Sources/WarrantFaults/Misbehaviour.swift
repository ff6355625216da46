import WarrantErrors

/// The one vocabulary of misbehaviour. The simulator (`simulate --faults`, `--sabotage`),
/// topology files (`byzantine = [...]`, `sabotage = [...]`), `warrant-node --byzantine` /
/// `--sabotage` and the control command `set_byzantine` all spell these the same way.

/// What a Byzantine validator does: up to f of them must never break agreement, validity,
/// revocation or nothing-lost. Every behaviour is a rewriting of the signed envelopes an
/// honest replica produces (`ByzantineRewriter`), so a misbehaving node's own state stays
/// that of an honest node and the simulator and real nodes misbehave alike.
public enum ByzantineBehaviour: String, CaseIterable, Hashable, Sendable, Comparable {
    /// Votes and proposals differ between two halves of the peers.
    case equivocate
    /// Votes are withheld (each vote, from each peer, two times in five).
    case withhold
    /// Votes now and then for a block that does not exist, validly signed.
    case invalidVote = "invalid-vote"
    /// Proposals carry requests with forged signatures or stale acts (validly signed acts
    /// of sessions since expired or revoked); catch-up answers carry tampered blocks.
    case forge
    /// Old envelopes are sent again, now and then.
    case replay
    /// Two replicas run with one key, each honest on its own: a coordinated equivocation
    /// that needs two processes, so only the simulator offers it.
    case twins

    /// Whether `warrant-node` can be switched to it (twins need two processes).
    public var runsOnNodes: Bool { self != .twins }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// Parses a list of names; the error names the first unknown one and the choices.
    public static func parse(_ names: [String], onNodes: Bool = false) throws(MisbehaviourError) -> Set<Self> {
        var parsed: Set<Self> = []
        for name in names {
            guard let behaviour = Self(rawValue: name), !onNodes || behaviour.runsOnNodes else {
                let choices = allCases.filter { !onNodes || $0.runsOnNodes }.map(\.rawValue)
                throw MisbehaviourError(name: name, choices: choices)
            }
            parsed.insert(behaviour)
        }
        return parsed
    }
}

/// A deliberate bug planted in honest replicas, only to prove that the checkers fail
/// when a rule is broken. Each reaches the pure cores through their parameters
/// (`ConsensusParameters.sabotage`, `Ledger.sabotage`, `QuorumClock`'s start) and is the
/// same bug in the simulator and on real nodes. A real deployment never sets one.
public enum Sabotage: String, CaseIterable, Hashable, Sendable, Comparable {
    /// Prevote as if unlocked (breaks Algorithm 1's lines 23 and 29).
    case skipLock = "skip-lock"
    /// Count 2f votes as a quorum.
    case quorumOffByOne = "quorum-off-by-one"
    /// Expiry is not enforced: the ledger accepts acts of expired sessions and local
    /// checks allow them.
    case ignoreExpiry = "ignore-expiry"
    /// Local checks ignore rule 4 — staleness and the clock evidence that ages with it:
    /// a cut-off node keeps allowing.
    case ignoreStaleness = "ignore-staleness"
    /// Requests and messages with bad signatures are admitted and accepted.
    case acceptBadSignature = "accept-bad-signature"
    /// A (re)started replica counts every peer as heard, its clock as vouched for, at its
    /// start: a node restarted while cut off allows for `maxStaleness`.
    case resetStalenessOnRestart = "reset-staleness-on-restart"
    /// The clock is judged against the last block's time, which a skewed node's own
    /// proposals carry.
    case trustOwnBlockTimes = "trust-own-block-times"
    /// Link-fault commands are acknowledged and not applied: the node keeps sending to
    /// peers it was told to cut off. Only a fault in the network itself (`--netns`)
    /// still cuts it off.
    case ignoreLinkFaults = "ignore-link-faults"

    /// The checker (docs/DESIGN.md's rules; `summary.json`'s `checks`) that must fail
    /// when this bug is planted.
    public var breaks: String {
        switch self {
        case .skipLock, .quorumOffByOne: "agreement"
        case .ignoreExpiry: "expiry"
        case .acceptBadSignature: "validity"
        case .ignoreStaleness, .resetStalenessOnRestart, .trustOwnBlockTimes: "fail_closed"
        case .ignoreLinkFaults: "faults_honoured"
        }
    }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// The bugs the simulator can plant: every one but those of a node's own link filter
    /// (the simulated network applies link faults itself).
    public static var simulated: [Self] { allCases.filter { $0 != .ignoreLinkFaults } }

    public static func parse(_ names: [String]) throws(MisbehaviourError) -> Set<Self> {
        var parsed: Set<Self> = []
        for name in names {
            guard let bug = Self(rawValue: name) else { throw MisbehaviourError(name: name, choices: allCases.map(\.rawValue)) }
            parsed.insert(bug)
        }
        return parsed
    }
}

public enum MisbehaviourErrorCode: String, ErrorCode {
    /// A misbehaviour name that is not in the vocabulary (or not offered where it was asked for).
    case unknownName = "unknown_name"
}

public typealias MisbehaviourError = WarrantError<MisbehaviourErrorCode>

extension WarrantError where Code == MisbehaviourErrorCode {
    /// `name` is none of `choices`: the message lists them.
    public init(name: String, choices: [String]) {
        self.init(.unknownName, "'\(name)' is not one of \(choices.joined(separator: ", "))")
    }
}
