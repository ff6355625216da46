import WarrantCheck
import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantWire

/// The simulated world: sending, with the network faults and Byzantine behaviours.
extension SimWorld {

    mutating func broadcastProposal(from index: Int, _ proposal: Proposal) {
        let key = validatorKeys[nodes[index].validator]
        func signed(_ p: Proposal) -> SimMessage {
            let bytes = p.cborBytes
            return .proposal(p, bytes: bytes, signature: SignatureScheme.modelledSignature(by: key, kind: .proposal, body: bytes))
        }
        let peers = nodes.indices.filter { $0 != index }
        let byzantine = nodes[index].byzantine
        var other: Proposal?
        if byzantine.contains(.forgedProposal), chance(50), let session = nodes[index].ledger.sessions.values.min(by: { $0.id < $1.id }) {  // (min: dictionary order varies between processes)
            // A proposal carrying an act with a forged signature under a live session.
            let act = Act(session: session.id, sequence: (session.lastSequence ?? 0) + 1_000, operation: session.operations[0],
                          resource: "files/forged", amount: 0)
            let envelope = Envelope(kind: .act, sender: session.sessionKey, body: act.cborBytes,
                                    signature: Signature(unchecked: [UInt8](repeating: 7, count: 64)))
            var block = proposal.block
            block.requests.append(ByteString(envelope.encoded))
            other = Proposal(height: proposal.height, round: proposal.round, validRound: proposal.validRound, block: block)
        } else if byzantine.contains(.forgedProposal), chance(50), !nodes[index].seenActs.isEmpty {
            // Validly signed but stale: old acts, whose sessions may since have expired or
            // been revoked. Honest ledgers must reject them (the checkers watch).
            let ledger = nodes[index].ledger
            let stale = nodes[index].seenActs.filter { bytes in
                guard let envelope = try? Envelope(decoding: bytes), let act = try? Act(cbor: envelope.body) else { return false }
                guard let session = ledger.sessions[act.session] else { return true }
                return session.expiresAt <= proposal.block.timeMs || ledger.isRevoked(session)
            }
            var block = proposal.block
            block.requests += stale.suffix(3).map(ByteString.init)
            other = Proposal(height: proposal.height, round: proposal.round, validRound: proposal.validRound, block: block)
        } else if byzantine.contains(.equivocate), chance(60) {
            var block = proposal.block
            block.timeMs += 1 + random.next() % 5
            other = Proposal(height: proposal.height, round: proposal.round, validRound: proposal.validRound, block: block)
        }
        let first = signed(proposal)
        if proposal.round == 1, let split = splitBrain(height: proposal.height), split.c.contains(nodes[index].validator) {
            // Round 1 of a split height: every Byzantine validator backs C's new block.
            let hash = proposal.block.hash
            for byzantine in (options.nodes - options.byzantine)..<options.nodes {
                let key = validatorKeys[byzantine]
                for type in [VoteType.prevote, .precommit] {
                    let vote = SignedVote(type: type, height: proposal.height, round: 1, block: hash, validator: key,
                                          signature: voteSignature(type, proposal.height, 1, hash, by: key))
                    for peer in nodes.indices where isHonest(peer) && nodes[peer].validator != split.a {
                        send(from: byzantine, to: peer, .vote(vote))
                    }
                }
            }
        }
        let second = other.map(signed)
        let split = Int(random.next() % UInt64(peers.count + 1))
        for (position, peer) in peers.enumerated() {
            send(from: index, to: peer, position < split || second == nil ? first : second!)
        }
    }

    mutating func broadcastVote(from index: Int, _ vote: SignedVote) {
        let byzantine = nodes[index].byzantine
        let peers = nodes.indices.filter { $0 != index }
        if byzantine.isEmpty {
            for peer in peers { send(from: index, to: peer, .vote(vote)) }
            return
        }
        let key = vote.validator
        func resigned(_ block: Digest?) -> SignedVote {
            SignedVote(type: vote.type, height: vote.height, round: vote.round, block: block, validator: key,
                       signature: voteSignature(vote.type, vote.height, vote.round, block, by: key))
        }
        if vote.round == 0, let split = splitBrain(height: vote.height) {
            // The split-brain schedule: the real vote to A (and prevotes to B), nil to the rest.
            for peer in peers {
                let validator = nodes[peer].validator
                let real = validator == split.a || (vote.type == .prevote && split.b.contains(validator))
                send(from: index, to: peer, .vote(real ? vote : resigned(nil)))
            }
            return
        }
        let fake = Blake2b.hash(Array("byzantine \(random.next())".utf8))
        let alternative = vote.block == nil ? fake : (chance(50) ? nil : fake)
        let split = Int(random.next() % UInt64(peers.count + 1))
        for (position, peer) in peers.enumerated() {
            if byzantine.contains(.withhold), chance(40) { continue }
            var outgoing = vote
            if byzantine.contains(.equivocate), position >= split { outgoing = resigned(alternative) }
            if byzantine.contains(.invalidVote), chance(20) { outgoing = resigned(fake) }
            send(from: index, to: peer, .vote(outgoing))
        }
    }

    func linked(_ from: Int, _ to: Int) -> Bool {
        let a = nodes[from].validator, b = nodes[to].validator
        if oneWay.contains([a, b]) { return false }
        guard let groups else { return true }
        return groups.contains { $0.contains(a) && $0.contains(b) }
    }

    mutating func send(from: Int, to: Int, _ message: SimMessage) {
        guard !nodes[from].crashed else { return }
        if message.isClock {
            usingClockRandom { $0.transmit(from: from, to: to, message) }
        } else {
            transmit(from: from, to: to, message)
        }
    }

    /// The network's faults on one message, then its delivery.
    mutating func transmit(from: Int, to: Int, _ message: SimMessage) {
        if !nodes[from].byzantine.isEmpty, nodes[from].byzantine.contains(.replay), !message.isClock {
            if nodes[from].sent.count > 64 { nodes[from].sent.removeFirst() }
            nodes[from].sent.append((to, message))
        }
        let faulty = now < faultsEnd
        guard linked(from, to) else { return }
        if now < isolatedUntil[from] ?? 0 || now < isolatedUntil[to] ?? 0 { return }
        if splitBrainEnabled, faulty, !isHonest(from) {
            switch message {
            case .committedBlocks: return  // the adversary helps nobody catch up
            default: break
            }
        }
        if case .vote(let vote) = message, vote.round == 0, let split = splitBrain(height: vote.height),
           nodes[from].validator == split.a, split.c.contains(nodes[to].validator) {
            return  // C hears nothing from A in round 0, so it sees no polka
        }
        if faulty, options.faults.contains(.drop), chance(5) { return }
        var delay = between(2, 20)
        if faulty, options.faults.contains(.delay) { delay = between(2, 400) }
        schedule(at: now + delay, .deliver(from: from, to: to, message))
        if faulty, options.faults.contains(.duplicate), chance(3) {
            schedule(at: now + delay + between(0, 100), .deliver(from: from, to: to, message))
        }
    }
}
