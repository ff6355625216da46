import WarrantCrypto
import WarrantFaults
import WarrantWire

/// Tendermint consensus (Algorithm 1 of Buchman, Kwon and Milosevic, "The latest gossip
/// on BFT consensus", arXiv 1807.04938) as a pure value. Each input is a `mutating func
/// on…(…, now:)` returning the directives the shell must carry out, in order; the core
/// does no I/O, reads no clock, holds no key and spawns no task. Proposals, votes and
/// requests arrive already verified at the edge; the core emits unsigned votes and
/// proposals for the shell to sign. Refusals are values (`Ignored`).
///
/// Line numbers in comments (`// L22`) refer to Algorithm 1 in the paper.
public struct ConsensusCore: Sendable {
    public let validators: ValidatorSet
    /// This validator's public key (the shell holds the secret).
    public let me: PublicKey
    public let parameters: ConsensusParameters

    // Algorithm 1 state (L2–L9).
    public internal(set) var height: UInt64
    public internal(set) var round: UInt64 = 0
    public internal(set) var step: Step = .propose
    public internal(set) var lockedValue: Block?
    public internal(set) var lockedRound: Int64 = -1
    public internal(set) var validValue: Block?
    public internal(set) var validRound: Int64 = -1
    /// The prevotes of `validValue`'s polka (see `ConsensusRecord.validPolka`).
    public internal(set) var validPolka: [SignedVote] = []

    // The chain tip this height builds on.
    public internal(set) var lastBlockHash: Digest
    public internal(set) var lastBlockTimeMs: UInt64
    public internal(set) var lastCertificate: Certificate?
    /// The last decided block (kept in memory for rebroadcast; not part of the record).
    public internal(set) var lastBlock: Block?
    public internal(set) var appliedStateHash: Digest?

    /// The first proposal from each round's proposer, with its hash and validity.
    var proposals: [UInt64: ReceivedProposal] = [:]
    public internal(set) var votes = VoteKeeper()
    var ownVotes: [ConsensusRecord.OwnVote] = []
    var ownProposals: [Proposal] = []
    /// "For the first time" guards of L34, L36 and L47, per round.
    var prevoteTimeoutScheduled: Set<UInt64> = []
    var precommitTimeoutScheduled: Set<UInt64> = []
    var polkaHandled: Set<UInt64> = []
    /// A proposer waiting for the state hash of the last block, or for work (heartbeat).
    var waitingToPropose = false
    /// Whether this round's heartbeat timer is set.
    var heartbeatArmed = false
    /// Whether this round's batch timer is set (`batchDelayMs`).
    var batchArmed = false
    public internal(set) var pool: RequestPool
    /// Proposals and votes of the next height that arrived before this one was decided.
    var early = EarlyMessages()
    /// Evidence of equivocation not yet committed, one per offense: seen by this node or
    /// gossiped by peers, proposed in this node's next blocks until one commits it.
    public internal(set) var pendingEvidence: [Offense.Key: Evidence] = [:]
    /// Offenses committed in blocks this node decided (since it started), so late gossip
    /// of them is not proposed again. Not consensus state: validity never reads it.
    var committedOffenses: Set<Offense.Key> = []
    /// A validator that lost its database (and with it the record of what it signed)
    /// signs nothing at this height or below: it follows the rounds, counts the others'
    /// votes and decides with them, but proposes and votes only above it — past every
    /// height its earlier incarnation can have signed at (`ReplicaStore.signingGuard`).
    /// Zero for a validator with its record.
    public var abstainThrough: UInt64 = 0

    struct ReceivedProposal: Hashable, Sendable {
        let proposal: Proposal
        let blockHash: Digest
        let valid: Bool
        /// Proposer-based timestamps: a fresh proposal's time was within bounds of our
        /// clock when it arrived. Re-proposals keep their time and are not re-checked.
        let timely: Bool
    }

    /// A core at the first height of a new chain.
    public init(validators: ValidatorSet, me: PublicKey, parameters: ConsensusParameters = ConsensusParameters(),
                genesisTimeMs: UInt64, genesisStateHash: Digest) {
        self.validators = validators
        self.me = me
        self.parameters = parameters
        height = 1
        lastBlockHash = .zero
        lastBlockTimeMs = genesisTimeMs
        appliedStateHash = genesisStateHash
        pool = RequestPool()
    }

    /// A core rebuilt from its last persisted record (after a crash or restart).
    public init(validators: ValidatorSet, me: PublicKey, parameters: ConsensusParameters = ConsensusParameters(),
                restoring record: ConsensusRecord) {
        self.validators = validators
        self.me = me
        self.parameters = parameters
        height = record.height
        round = record.round
        step = record.step
        lockedValue = record.lockedValue
        lockedRound = record.lockedRound
        validValue = record.validValue
        validRound = record.validRound
        validPolka = record.validPolka
        // The polka behind the valid value counts again: without it a restarted proposer
        // could not prevote its own re-proposal (L28), and as proposer it has no propose
        // timeout to prevote nil either — the round would pass without its vote
        // (simulator seed 8333043 stalled a height for 40 s that way).
        for vote in validPolka { _ = votes.add(vote) }
        ownVotes = record.ownVotes
        ownProposals = record.ownProposals
        lastBlockHash = record.lastBlockHash
        lastBlockTimeMs = record.lastBlockTimeMs
        lastCertificate = record.lastCertificate
        appliedStateHash = record.appliedStateHash
        pool = RequestPool()
        holdEvidence(record.pendingEvidence)
    }

    mutating func holdEvidence(_ evidence: [Evidence]) {
        for item in evidence { if let key = try? item.offense().key { pendingEvidence[key] = item } }
    }

    /// The core a restarted node resumes with, from what its database holds: the last
    /// persisted record and the last decided block with its certificate. The record wins
    /// when it is for the height after that block. Otherwise — nothing persisted yet, or a
    /// crash between storing a block and persisting the record that follows it — the core
    /// starts the height after the block afresh: it cast no vote there, because votes
    /// leave a node only after the record holding them is written. The shell then reports
    /// the ledger's state hash (`onApplied`).
    public init(validators: ValidatorSet, me: PublicKey, parameters: ConsensusParameters = ConsensusParameters(),
                genesisTimeMs: UInt64, genesisStateHash: Digest, record: ConsensusRecord?, lastDecided: CommittedBlock?) {
        let decidedHeight = lastDecided?.block.height ?? 0
        if let record, record.height == decidedHeight + 1 {
            self.init(validators: validators, me: me, parameters: parameters, restoring: record)
            lastBlock = lastDecided?.block
        } else {
            self.init(validators: validators, me: me, parameters: parameters, genesisTimeMs: genesisTimeMs,
                      genesisStateHash: genesisStateHash)
            holdEvidence(record?.pendingEvidence ?? [])
            if let lastDecided {
                height = decidedHeight + 1
                lastBlockHash = lastDecided.certificate.block
                lastBlockTimeMs = lastDecided.block.timeMs
                lastCertificate = lastDecided.certificate
                lastBlock = lastDecided.block
                appliedStateHash = nil
            }
        }
    }

    public var record: ConsensusRecord {
        ConsensusRecord(height: height, round: round, step: step, lockedValue: lockedValue, lockedRound: lockedRound,
                        validValue: validValue, validRound: validRound, validPolka: validPolka, ownVotes: ownVotes, ownProposals: ownProposals,
                        lastBlockHash: lastBlockHash, lastBlockTimeMs: lastBlockTimeMs, lastCertificate: lastCertificate,
                        appliedStateHash: appliedStateHash, pendingEvidence: pendingEvidence.sorted { $0.key < $1.key }.map(\.value))
    }

    /// 2f + 1, or one less under the `quorumOffByOne` sabotage.
    var quorum: Int { !parameters.sabotage.isEmpty && parameters.sabotage.contains(.quorumOffByOne) ? validators.quorum - 1 : validators.quorum }

    public var isProposer: Bool { validators.proposer(height: height, round: round) == me }

    // MARK: inputs

    /// Starts (or, after a restart, resumes) the current height.
    public mutating func onStart(now: UInt64) -> [Directive] {
        var out: [Directive] = [.scheduleTimeout(.rebroadcast, height: height, round: 0, afterMs: parameters.rebroadcastIntervalMs)]
        if ownVotes.isEmpty && ownProposals.isEmpty && round == 0 && step == .propose {
            out += startRound(0, now: now)  // L10
        } else {
            // Resuming: the proposal and votes already made are sent again, unchanged, and
            // the timer of the step we were in is re-armed.
            if let proposal = ownProposals.last(where: { $0.round == round }) {
                out.append(.rebroadcastProposal(proposal))
                out += receiveOwnProposal(proposal, now: now)
            }
            let kind: TimeoutKind = switch step {
            case .propose: .propose
            case .prevote: .prevote
            case .precommit: .precommit
            }
            out.append(.scheduleTimeout(kind, height: height, round: round, afterMs: parameters.timeout(kind, round: round)))
            for vote in ownVotes where vote.round == round {
                out.append(.broadcastVote(type: vote.type, height: height, round: vote.round, block: vote.block))
            }
        }
        return out
    }

    /// A proposal from the network, its signature (and the signatures of every request and
    /// evidence vote in it) checked at the edge: `signaturesValid` is false if any failed.
    /// `now` is the local clock on arrival, which judges a fresh proposal's timeliness.
    public mutating func onProposal(_ proposal: Proposal, from sender: PublicKey, signaturesValid: Bool,
                                    now: UInt64) -> Reaction {
        guard validators.contains(sender) else { return .ignored(.notAValidator) }
        if proposal.height == height + 1,
           early.keep(.proposal(proposal, from: sender, signaturesValid: signaturesValid), from: sender) {
            return .ignored(.heldForNextHeight)
        }
        guard proposal.height == height else { return .ignored(proposal.height < height ? .oldHeight : .futureHeight) }
        guard validators.proposer(height: height, round: proposal.round) == sender else { return .ignored(.wrongProposer) }
        let hash = proposal.block.hash
        if let existing = proposals[proposal.round] {
            return .ignored(existing.blockHash == hash && existing.proposal.validRound == proposal.validRound ? .duplicate : .equivocation)
        }
        let timely = proposal.validRound >= 0
            || parameters.isTimely(blockTimeMs: proposal.block.timeMs, receivedAt: now, round: proposal.round)
        proposals[proposal.round] = ReceivedProposal(proposal: proposal, blockHash: hash,
                                                     valid: signaturesValid && isValid(proposal.block), timely: timely)
        return .acted(evaluate(now: now))
    }

    /// A vote from the network (or this validator's own, signed by the shell).
    public mutating func onVote(_ vote: SignedVote, now: UInt64) -> Reaction {
        guard validators.contains(vote.validator) else { return .ignored(.notAValidator) }
        if vote.height == height + 1, early.keep(.vote(vote), from: vote.validator) { return .ignored(.heldForNextHeight) }
        guard vote.height == height else { return .ignored(vote.height < height ? .oldHeight : .futureHeight) }
        switch votes.add(vote) {
        case .duplicate: return .ignored(.duplicate)
        case .conflict(let first):
            // Kept as evidence and gossiped; the vote still counts for its own value (see VoteKeeper).
            let gossip = keepEvidence(Evidence(first.envelope, vote.envelope))
            return .acted(gossip + evaluate(now: now))
        case .added: return .acted(evaluate(now: now))
        }
    }

    /// A timer the core scheduled has fired.
    public mutating func onTimeout(_ kind: TimeoutKind, height timeoutHeight: UInt64, round timeoutRound: UInt64,
                                   now: UInt64) -> Reaction {
        guard timeoutHeight == height else { return .ignored(.staleTimeout) }
        var out: [Directive] = []
        switch kind {
        case .propose:  // L57
            guard timeoutRound == round, step == .propose else { return .ignored(.staleTimeout) }
            out += castVote(.prevote, block: nil)
        case .prevote:  // L61
            guard timeoutRound == round, step == .prevote else { return .ignored(.staleTimeout) }
            out += castVote(.precommit, block: nil)
        case .precommit:  // L65
            guard timeoutRound == round else { return .ignored(.staleTimeout) }
            out += startRound(round + 1, now: now)
        case .heartbeat:
            guard timeoutRound == round, waitingToPropose else { return .ignored(.staleTimeout) }
            out += proposeIfReady(now: now, force: true)
        case .rebroadcast:
            out += rebroadcast()
            out.append(.scheduleTimeout(.rebroadcast, height: height, round: 0, afterMs: parameters.rebroadcastIntervalMs))
            return .acted(out)
        }
        return .acted(out + evaluate(now: now))
    }

    /// A request admitted at the edge. The node a client sent it to forwards it to every
    /// peer, once — and again whenever the client sends the same bytes again (its retry
    /// after a timeout is what recovers a lost forward); peers that receive it forward it
    /// no further. So each node hears each request about once instead of once from every
    /// peer, and any node that holds it can propose it; a request whose forward was lost
    /// still waits in its first node's pool for that node's turn to propose.
    public mutating func onRequest(id: Digest, bytes: [UInt8], from origin: RequestOrigin = .client, now: UInt64) -> Reaction {
        guard pool.add(id: id, bytes: bytes, at: now) else {
            if origin == .client, pool.contains(id) { return .acted([.forwardRequest(bytes)]) }
            return .ignored(pool.contains(id) ? .duplicate : pool.wasOrdered(id) ? .alreadyOrdered : .poolFull)
        }
        var out: [Directive] = origin == .client ? [.forwardRequest(bytes)] : []
        if waitingToPropose { out += proposeIfReady(now: now, force: false) }
        return .acted(out + evaluate(now: now))
    }

    /// A block of the current height with its commit certificate, from a peer that
    /// decided it already (a rebroadcast certificate, or catch-up). The shell checked the
    /// certificate at the edge (2f + 1 valid precommit signatures from the validator set
    /// for this block); the core checks the block's structure and decides it (L49).
    public mutating func onCommittedBlock(_ block: Block, certificate: Certificate, now: UInt64) -> Reaction {
        guard block.height == height, certificate.height == height else {
            return .ignored(block.height < height ? .oldHeight : .futureHeight)
        }
        let hash = block.hash
        guard certificate.block == hash, isValid(block) else { return .ignored(.invalidCertificate) }
        let signers = Set(certificate.signatures.map(\.validator))
        guard signers.count >= validators.quorum, signers.allSatisfy(validators.contains) else {
            return .ignored(.invalidCertificate)
        }
        // Verified at the edge: the certificate alone decides, whatever votes we hold.
        return .acted(commit(block, hash: hash, certificate: certificate, now: now))
    }

    /// Evidence of equivocation from a peer, both votes' signatures checked at the edge.
    /// New evidence is kept for this node's next proposals and gossiped on.
    public mutating func onEvidence(_ evidence: Evidence, now: UInt64) -> Reaction {
        guard let offense = try? evidence.offense(), validators.contains(offense.validator) else {
            return .ignored(.invalidEvidence)
        }
        guard pendingEvidence[offense.key] == nil, !committedOffenses.contains(offense.key) else { return .ignored(.duplicate) }
        return .acted(keepEvidence(evidence))
    }

    mutating func keepEvidence(_ evidence: Evidence) -> [Directive] {
        guard let key = try? evidence.offense().key, pendingEvidence[key] == nil, !committedOffenses.contains(key),
              pendingEvidence.count < parameters.maxPendingEvidence else { return [] }
        pendingEvidence[key] = evidence
        return [.persist(record), .broadcastEvidence(evidence)]
    }

    /// The shell applied the block decided at `height` and reports the ledger's state hash.
    public mutating func onApplied(height appliedHeight: UInt64, stateHash: Digest, now: UInt64) -> [Directive] {
        guard appliedHeight + 1 == height else { return [] }
        appliedStateHash = stateHash
        // What arrived early is judged now that blocks of this height can be (validity
        // needs the applied state hash).
        var replayed: [Directive] = []
        for message in early.take(height: height) {
            let reaction = switch message {
            case .proposal(let proposal, let sender, let valid): onProposal(proposal, from: sender, signaturesValid: valid, now: now)
            case .vote(let vote): onVote(vote, now: now)
            }
            if case .acted(let directives) = reaction { replayed += directives }
        }
        guard waitingToPropose else { return replayed }
        return replayed + proposeIfReady(now: now, force: false) + evaluate(now: now)
    }

    // MARK: structural validity

    /// What the core itself can check of a block: it extends our chain tip, its time moves
    /// forward, its certificate names the previous block, its state hash is ours, and it
    /// respects the size limits, and its evidence proves offenses. (Signatures were checked at the edge; ledger rules do not
    /// make a block invalid: a request breaking them is included and recorded as rejected.)
    /// Evidence in a block must each prove an offense of a validator of this set at a
    /// height not above the block's, one per offense and at most `maxBlockEvidence`.
    /// (Signatures were checked at the edge; an offense committed before is allowed and
    /// recorded once by the ledger, so validity never depends on what a node remembers.)
    func evidenceIsValid(_ evidence: [Evidence]) -> Bool {
        guard evidence.count <= parameters.maxBlockEvidence else { return false }
        var keys = Set<Offense.Key>()
        for item in evidence {
            guard let offense = try? item.offense(), validators.contains(offense.validator), offense.height <= height,
                  keys.insert(offense.key).inserted else { return false }
        }
        return true
    }

    public func isValid(_ block: Block) -> Bool {
        guard block.height == height, block.previous == lastBlockHash, block.timeMs > lastBlockTimeMs || height == 1,
              block.requests.count <= parameters.maxBlockRequests,
              block.requests.reduce(0, { $0 + $1.bytes.count }) <= parameters.maxBlockBytes else { return false }
        guard let appliedStateHash, block.stateHash == appliedStateHash else { return false }
        guard evidenceIsValid(block.evidence) else { return false }
        if height == 1 { return block.lastCommit == nil }
        guard let commit = block.lastCommit, commit.height == height - 1, commit.block == lastBlockHash else { return false }
        return true
    }
}
