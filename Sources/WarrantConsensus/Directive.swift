import WarrantCrypto
import WarrantWire

/// The steps of a round (Algorithm 1's `step_p`).
public enum Step: String, Hashable, Sendable, Comparable {
    case propose, prevote, precommit

    private var order: Int {
        switch self {
        case .propose: 0
        case .prevote: 1
        case .precommit: 2
        }
    }

    public static func < (a: Step, b: Step) -> Bool { a.order < b.order }
}

public enum VoteType: String, Hashable, Sendable {
    case prevote, precommit
}

/// Timers the core asks the shell to run; each fires back as `onTimeout`.
public enum TimeoutKind: String, Hashable, Sendable {
    case propose, prevote, precommit
    /// Re-send the current proposal, own votes and last certificate.
    case rebroadcast
    /// An idle proposer's wait before proposing an empty block.
    case heartbeat
}

/// A vote as the core sees it: verified at the edge (the signature is carried, never
/// checked here), from a member of the validator set.
public struct SignedVote: Hashable, Sendable {
    public let type: VoteType
    public let height: UInt64
    public let round: UInt64
    /// nil is a vote for nil.
    public let block: Digest?
    public let validator: PublicKey
    public let signature: Signature

    public init(type: VoteType, height: UInt64, round: UInt64, block: Digest?, validator: PublicKey, signature: Signature) {
        self.type = type
        self.height = height
        self.round = round
        self.block = block
        self.validator = validator
        self.signature = signature
    }

    /// The vote's signed body.
    public var body: [UInt8] {
        type == .prevote ? Prevote(height: height, round: round, block: block).cborBytes
            : Precommit(height: height, round: round, block: block).cborBytes
    }

    public var kind: MessageKind { type == .prevote ? .prevote : .precommit }

    /// The vote's complete envelope, rebuilt byte for byte (the encoding is canonical),
    /// as evidence carries it.
    public var envelope: [UInt8] { Envelope(kind: kind, sender: validator, body: body, signature: signature).encoded }
}

/// What the core asks its shell to do, in the order given. The shell persists first,
/// then sends, then applies (etcd's `Ready` order).
public enum Directive: Hashable, Sendable {
    /// Write this record durably before anything later in the list leaves the node.
    case persist(ConsensusRecord)
    /// Sign and send this proposal to every peer.
    case broadcastProposal(Proposal)
    /// Sign and send this vote to every peer, then hand the signed vote back to the core.
    case broadcastVote(type: VoteType, height: UInt64, round: UInt64, block: Digest?)
    /// Sign and send an earlier proposal again (same block, same bytes).
    case rebroadcastProposal(Proposal)
    /// Send an already signed vote again.
    case rebroadcastVote(SignedVote)
    /// Send the last decided block with its certificate again, so a peer one height
    /// behind can decide it (`onCommittedBlock`).
    case rebroadcastCertificate(Block, Certificate)
    /// Run a timer; when it expires, call `onTimeout(kind, height:, round:)`.
    case scheduleTimeout(TimeoutKind, height: UInt64, round: UInt64, afterMs: UInt64)
    /// The block is decided: apply it, then call `onApplied(height:stateHash:)`.
    case decide(Block, Certificate)
    /// Send an admitted request to every peer, so every proposer sees it.
    case forwardRequest([UInt8])
    /// Send evidence of equivocation to every peer (gossip), so whoever proposes next
    /// can commit it.
    case broadcastEvidence(Evidence)
}

/// Where a request came from: a client, whose node forwards it to every peer, or a peer
/// that already did.
public enum RequestOrigin: Hashable, Sendable {
    case client
    case peer
}

/// Why the core ignored an input. Refusals are values, not errors.
public enum Ignored: String, Hashable, Sendable {
    case notAValidator = "not_a_validator"
    case oldHeight = "old_height"
    case futureHeight = "future_height"
    /// For the next height: kept, and replayed once this validator has applied the current one.
    case heldForNextHeight = "held_for_next_height"
    case wrongProposer = "wrong_proposer"
    case duplicate
    case equivocation
    case staleTimeout = "stale_timeout"
    case poolFull = "pool_full"
    /// A decided block already carried this request.
    case alreadyOrdered = "already_ordered"
    case invalidCertificate = "invalid_certificate"
    case invalidEvidence = "invalid_evidence"
}

/// What an input led to: directives to carry out, or the reason it was ignored.
public enum Reaction: Hashable, Sendable {
    case acted([Directive])
    case ignored(Ignored)

    public var directives: [Directive] {
        if case .acted(let directives) = self { return directives }
        return []
    }
}
