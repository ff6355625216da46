import WarrantCrypto
import WarrantFaults
import WarrantWire

/// The rules of Algorithm 1, evaluated after every input until none fires.
extension ConsensusCore {
    /// L11–L21.
    mutating func startRound(_ newRound: UInt64, now: UInt64) -> [Directive] {
        round = newRound  // L12
        step = .propose  // L13
        waitingToPropose = false
        heartbeatArmed = false
        batchArmed = false
        var out: [Directive] = []
        if isProposer && height > abstainThrough {  // L14
            out += proposeIfReady(now: now, force: newRound > 0)
        } else {
            // L21 (and an abstaining proposer waits like the others for its round to pass);
            // at round 0 also wait out the proposer's heartbeat, when it is idle.
            var wait = parameters.timeout(.propose, round: newRound)
            if newRound == 0 {
                let heartbeatAt = lastBlockTimeMs + parameters.heartbeatIntervalMs
                if heartbeatAt > now { wait += heartbeatAt - now }
            }
            out.append(.scheduleTimeout(.propose, height: height, round: newRound, afterMs: wait))
        }
        return out
    }

    /// L15–L19: propose the valid value, or a new block from the pool. An idle proposer
    /// at round 0 waits for a request or for the heartbeat interval, so an idle cluster
    /// commits one empty block per `heartbeatIntervalMs` and no faster.
    mutating func proposeIfReady(now: UInt64, force: Bool) -> [Directive] {
        guard step == .propose, isProposer, !ownProposals.contains(where: { $0.round == round }), height > abstainThrough else { return [] }
        guard let stateHash = appliedStateHash else {
            waitingToPropose = true
            return []
        }
        let block: Block
        if let validValue {  // L15–L16
            block = validValue
        } else {
            let heartbeatAt = lastBlockTimeMs + parameters.heartbeatIntervalMs
            if pool.isEmpty && !force && now < heartbeatAt {
                waitingToPropose = true
                // Armed once per round — also when the wait began before the last block
                // was applied (a real node found the timer never armed in that case).
                guard !heartbeatArmed else { return [] }
                heartbeatArmed = true
                return [.scheduleTimeout(.heartbeat, height: height, round: round, afterMs: heartbeatAt - now)]
            }
            // Batching: wait until the oldest request has waited batchDelayMs, unless the
            // block is already full (a heartbeat timer, so the wait ends in a proposal).
            if !force, parameters.batchDelayMs > 0, pool.count < parameters.maxBlockRequests, let oldest = pool.oldestArrival,
               now < oldest + parameters.batchDelayMs {
                waitingToPropose = true
                guard !batchArmed else { return [] }
                batchArmed = true
                return [.scheduleTimeout(.heartbeat, height: height, round: round, afterMs: oldest + parameters.batchDelayMs - now)]
            }
            let entries = pool.take(maxCount: parameters.maxBlockRequests, maxBytes: parameters.maxBlockBytes)
            block = Block(height: height, timeMs: max(now, lastBlockTimeMs + 1), proposer: me, previous: lastBlockHash,
                          lastCommit: lastCertificate, stateHash: stateHash,
                          requests: entries.map { ByteString($0.bytes) },
                          evidence: pendingEvidence.sorted { $0.key < $1.key }.prefix(parameters.maxBlockEvidence).map(\.value))  // L18
        }
        waitingToPropose = false
        let proposal = Proposal(height: height, round: round, validRound: validRound, block: block)  // L19
        ownProposals.append(proposal)
        let polka: [Directive] = validValue != nil ? validPolka.map { .rebroadcastVote($0) } : []
        return [.persist(record)] + polka + [.broadcastProposal(proposal)] + receiveOwnProposal(proposal, now: now)
    }

    mutating func receiveOwnProposal(_ proposal: Proposal, now: UInt64) -> [Directive] {
        if proposals[proposal.round] == nil {
            proposals[proposal.round] = ReceivedProposal(proposal: proposal, blockHash: proposal.block.hash,
                                                         valid: isValid(proposal.block), timely: true)
        }
        return []
    }

    /// Casts a vote unless one was already cast for this round and step (possible only
    /// after a restart): a validator never signs two different votes for one (h, r, step).
    /// At a height it abstains at, it moves to the step and signs nothing.
    mutating func castVote(_ type: VoteType, block: Digest?) -> [Directive] {
        step = type == .prevote ? .prevote : .precommit
        // Abstaining (after a lost database) looks to the others like a vote lost on the way.
        guard height > abstainThrough else { return [] }
        if let earlier = ownVotes.first(where: { $0.type == type && $0.round == round }) {
            return [.persist(record), .broadcastVote(type: type, height: height, round: round, block: earlier.block)]
        }
        ownVotes.append(ConsensusRecord.OwnVote(type: type, round: round, block: block))
        return [.persist(record), .broadcastVote(type: type, height: height, round: round, block: block)]
    }

    /// Fires every rule whose condition holds, until none does.
    mutating func evaluate(now: UInt64) -> [Directive] {
        var out: [Directive] = []
        while true {
            if let decided = decideIfPossible(now: now) {  // L49
                return out + decided
            }
            if let skipTo = roundToSkipTo() {  // L55
                out += startRound(skipTo, now: now)
                continue
            }
            if step == .propose, let p = proposals[round] {
                if p.proposal.validRound == -1 {  // L22
                    let unlocked = lockedRound == -1 || parameters.sabotage.contains(.skipLock)
                    // L23, with proposer-based timestamps: a fresh value must also be timely.
                    let acceptable = p.valid && p.timely && (unlocked || lockedValue?.hash == p.blockHash)
                    out += castVote(.prevote, block: acceptable ? p.blockHash : nil)  // L24–L27
                    continue
                }
                let vr = p.proposal.validRound
                if vr >= 0, vr < Int64(round), votes.count(.prevote, round: UInt64(vr), for: p.blockHash) >= quorum {  // L28
                    let acceptable = p.valid && (lockedRound <= vr || parameters.sabotage.contains(.skipLock) || lockedValue?.hash == p.blockHash)  // L29
                    out += castVote(.prevote, block: acceptable ? p.blockHash : nil)  // L30–L33
                    continue
                }
            }
            if step == .prevote, !prevoteTimeoutScheduled.contains(round),
               votes.total(.prevote, round: round) >= quorum {  // L34
                prevoteTimeoutScheduled.insert(round)
                out.append(.scheduleTimeout(.prevote, height: height, round: round,
                                            afterMs: parameters.timeout(.prevote, round: round)))  // L35
                continue
            }
            if step >= .prevote, !polkaHandled.contains(round), let p = proposals[round], p.valid,
               votes.count(.prevote, round: round, for: p.blockHash) >= quorum {  // L36
                polkaHandled.insert(round)
                // L42–L43 are set before the precommit leaves, so the record persisted
                // with it already holds the new valid value.
                validValue = p.proposal.block  // L42
                validRound = Int64(round)  // L43
                validPolka = votes.votes(.prevote, round: round, for: p.blockHash)
                if step == .prevote {  // L37
                    lockedValue = p.proposal.block  // L38
                    lockedRound = Int64(round)  // L39
                    out += castVote(.precommit, block: p.blockHash)  // L40–L41
                }
                continue
            }
            if step == .prevote, votes.count(.prevote, round: round, for: nil) >= quorum {  // L44
                out += castVote(.precommit, block: nil)  // L45–L46
                continue
            }
            if !precommitTimeoutScheduled.contains(round), votes.total(.precommit, round: round) >= quorum {  // L47
                precommitTimeoutScheduled.insert(round)
                out.append(.scheduleTimeout(.precommit, height: height, round: round,
                                            afterMs: parameters.timeout(.precommit, round: round)))  // L48
                continue
            }
            return out
        }
    }

    /// L49–L54: a proposal of any round with 2f + 1 precommits for it decides the height.
    mutating func decideIfPossible(now: UInt64) -> [Directive]? {
        for r in proposals.keys.sorted() {
            let p = proposals[r]!
            guard p.valid, votes.count(.precommit, round: r, for: p.blockHash) >= quorum else { continue }
            let precommits = votes.votes(.precommit, round: r, for: p.blockHash)
            let certificate = Certificate(height: height, round: r, block: p.blockHash,
                                          signatures: precommits.map { CommitSignature(validator: $0.validator, signature: $0.signature) })
            return commit(p.proposal.block, hash: p.blockHash, certificate: certificate, now: now)
        }
        return nil
    }

    /// L51–L54: record the decision and move to the next height with a fresh round state.
    mutating func commit(_ block: Block, hash: Digest, certificate: Certificate, now: UInt64) -> [Directive] {
        height += 1
        round = 0
        step = .propose
        lockedValue = nil
        lockedRound = -1
        validValue = nil
        validRound = -1
        validPolka = []
        proposals = [:]
        votes = VoteKeeper()
        ownVotes = []
        ownProposals = []
        prevoteTimeoutScheduled = []
        precommitTimeoutScheduled = []
        polkaHandled = []
        lastBlockHash = hash
        lastBlock = block
        lastBlockTimeMs = block.timeMs
        lastCertificate = certificate
        appliedStateHash = nil
        pool.remove(Set(block.requests.map { Blake2b.hash($0.bytes) }))
        for key in block.evidence.compactMap({ try? $0.offense().key }) {
            pendingEvidence[key] = nil
            committedOffenses.insert(key)
        }
        return [.decide(block, certificate), .persist(record),
                .scheduleTimeout(.rebroadcast, height: height, round: 0, afterMs: parameters.rebroadcastIntervalMs)]
            + startRound(0, now: now)
    }

    /// L55, generalised: the highest round r such that f + 1 validators have sent
    /// messages of round r or later. Algorithm 1 asks for f + 1 messages of one round;
    /// here links lose messages and only the current round is rebroadcast, so validators
    /// scattered over different rounds (each alone in its round, none with a quorum to
    /// time out on) would wait for each other forever — simulator seed 953 stalled so.
    /// Starting any later round is safe: safety rests on locks and quorums, not on which
    /// rounds a validator takes part in; and f Byzantine validators alone cannot make
    /// anyone skip.
    func roundToSkipTo() -> UInt64? {
        var latest: [PublicKey: UInt64] = [:]
        for r in votes.rounds where r > round {
            for voter in votes.voters(round: r) { latest[voter] = max(latest[voter] ?? 0, r) }
        }
        for r in proposals.keys where r > round {
            let proposer = validators.proposer(height: height, round: r)
            latest[proposer] = max(latest[proposer] ?? 0, r)
        }
        let rounds = latest.values.sorted(by: >)
        guard rounds.count >= validators.skipThreshold else { return nil }
        return rounds[validators.skipThreshold - 1]
    }

    /// Own proposal and votes of the current round, own votes of the round before it, and
    /// the last certificate, again. The previous round's votes are for a peer one round
    /// behind: one node alone ahead cannot make it skip (L55 needs f + 1), and without
    /// them a peer that missed them waits for ever when the fourth validator is silent
    /// (simulator, `lost-database` seed 47: n3 alone in round 1, n1 and n2 each one
    /// prevote short in round 0, n0 abstaining).
    func rebroadcast() -> [Directive] {
        var out: [Directive] = []
        if let proposal = ownProposals.last(where: { $0.round == round }) {
            if proposal.validRound >= 0 { out += validPolka.map { .rebroadcastVote($0) } }
            out.append(.rebroadcastProposal(proposal))
        }
        for r in (round > 0 ? [round - 1, round] : [round]) {
            for type in [VoteType.prevote, .precommit] {
                if let vote = votes.vote(type, round: r, from: me) { out.append(.rebroadcastVote(vote)) }
            }
        }
        if let lastCertificate, let lastBlock { out.append(.rebroadcastCertificate(lastBlock, lastCertificate)) }
        // Evidence not yet committed, a few pieces per tick, until a block carries it.
        out += pendingEvidence.sorted { $0.key < $1.key }.prefix(parameters.maxBlockEvidence).map { .broadcastEvidence($0.value) }
        return out
    }
}
