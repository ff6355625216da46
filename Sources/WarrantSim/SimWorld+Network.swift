import WarrantCheck
import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantReplica
import WarrantWire

/// The simulated world: the network's faults, and Byzantine validators rewriting the
/// envelopes their (honest) replicas produce — re-signed with their own key, as a real
/// Byzantine validator could.
extension SimWorld {

    func seal<B: WireBody>(_ body: B, as validator: Int) -> [UInt8] {
        ReplicaSigner.modelled(validatorKeys[validator]).seal(body).encoded
    }

    /// A Byzantine node's broadcast: its replica's envelope, rewritten per its behaviours.
    mutating func byzantineBroadcast(from index: Int, _ bytes: [UInt8]) {
        let peers = nodes.indices.filter { $0 != index }
        guard let opened = try? SignedMessage(openingUnverified: bytes) else {
            for peer in peers { send(from: index, to: peer, bytes) }
            return
        }
        switch opened.message {
        case .proposal(let proposal):
            byzantinePropose(from: index, proposal, original: bytes, peers: peers)
        case .prevote(let v):
            byzantineVote(from: index, SignedVote(type: .prevote, height: v.height, round: v.round, block: v.block,
                                                  validator: opened.envelope.sender, signature: opened.envelope.signature), peers: peers)
        case .precommit(let v):
            byzantineVote(from: index, SignedVote(type: .precommit, height: v.height, round: v.round, block: v.block,
                                                  validator: opened.envelope.sender, signature: opened.envelope.signature), peers: peers)
        default:
            for peer in peers { send(from: index, to: peer, bytes) }
        }
    }

    mutating func byzantinePropose(from index: Int, _ proposal: Proposal, original: [UInt8], peers: [Int]) {
        let byzantine = nodes[index].byzantine, me = nodes[index].validator
        var other: Proposal?
        let ledger = nodes[index].replica.ledger
        if byzantine.contains(.forgedProposal), chance(50), let session = ledger.sessions.values.min(by: { $0.id < $1.id }) {  // (min: dictionary order varies between processes)
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
        let second = other.map { seal($0, as: me) }
        let split = Int(random.next() % UInt64(peers.count + 1))
        for (position, peer) in peers.enumerated() {
            send(from: index, to: peer, position < split || second == nil ? original : second!)
        }
    }

    /// The split-brain adversary: when C's proposer (honest) proposes in round 1 of a split
    /// height, every Byzantine validator backs the new block with both votes.
    mutating func backSplitProposal(from index: Int, _ bytes: [UInt8]) {
        guard splitBrainEnabled, Envelope.peekKind(bytes) == .proposal,
              let opened = try? SignedMessage(openingUnverified: bytes), case .proposal(let proposal) = opened.message,
              proposal.round == 1, let split = splitBrain(height: proposal.height), split.c.contains(nodes[index].validator) else { return }
        let hash = proposal.block.hash
        for byzantine in (options.nodes - options.byzantine)..<options.nodes {
            for vote in [seal(Prevote(height: proposal.height, round: 1, block: hash), as: byzantine),
                         seal(Precommit(height: proposal.height, round: 1, block: hash), as: byzantine)] {
                for peer in nodes.indices where isHonest(peer) && nodes[peer].validator != split.a {
                    send(from: byzantine, to: peer, vote)
                }
            }
        }
    }

    mutating func byzantineVote(from index: Int, _ vote: SignedVote, peers: [Int]) {
        let byzantine = nodes[index].byzantine, me = nodes[index].validator
        func resigned(_ block: Digest?) -> [UInt8] {
            vote.type == .prevote ? seal(Prevote(height: vote.height, round: vote.round, block: block), as: me)
                : seal(Precommit(height: vote.height, round: vote.round, block: block), as: me)
        }
        if vote.round == 0, let split = splitBrain(height: vote.height) {
            // The split-brain schedule: the real vote to A (and prevotes to B), nil to the rest.
            for peer in peers {
                let validator = nodes[peer].validator
                let real = validator == split.a || (vote.type == .prevote && split.b.contains(validator))
                send(from: index, to: peer, real ? vote.envelope : resigned(nil))
            }
            return
        }
        let fake = Blake2b.hash(Array("byzantine \(random.next())".utf8))
        let alternative = vote.block == nil ? fake : (chance(50) ? nil : fake)
        let split = Int(random.next() % UInt64(peers.count + 1))
        for (position, peer) in peers.enumerated() {
            if byzantine.contains(.withhold), chance(40) { continue }
            var outgoing = vote.envelope
            if byzantine.contains(.equivocate), position >= split { outgoing = resigned(alternative) }
            if byzantine.contains(.invalidVote), chance(20) { outgoing = resigned(fake) }
            send(from: index, to: peer, outgoing)
        }
    }

    /// A Byzantine node's answer to one peer: a clock reading that helps a faulty node most
    /// (the prober's own clock, height 0: a skewed node looks vouched for, a node that fell
    /// behind looks current); a catch-up answer forged now and then (a tampered block under
    /// its real certificate, or under a certificate only this validator really signed).
    mutating func byzantineAnswer(from index: Int, to peer: Int, _ bytes: [UInt8]) -> [UInt8] {
        guard let opened = try? SignedMessage(openingUnverified: bytes) else { return bytes }
        let me = nodes[index].validator
        switch opened.message {
        case .clockReading(let reading):
            return seal(ClockReading(nonce: reading.nonce, height: 0, timeMs: localNow(peer)), as: me)
        case .committedBlocks(var blocks) where nodes[index].byzantine.contains(.forgedProposal) && !blocks.entries.isEmpty && chance(50):
            var forged = blocks.entries[0]
            forged.block.timeMs += 1
            if chance(50) {
                forged.certificate.block = forged.block.hash
                let body = forged.certificate.precommit.cborBytes
                let mine = validatorKeys[me]
                forged.certificate.signatures = forged.certificate.signatures.map {
                    CommitSignature(validator: $0.validator, signature: SignatureScheme.modelledSignature(by: mine, kind: .precommit, body: body))
                }
            }
            blocks.entries[0] = forged
            if keepTrace { note("\(nodes[index].name) serves \(nodes[peer].name) a forged h\(forged.block.height)") }
            return seal(blocks, as: me)
        default:
            return bytes
        }
    }

    func linked(_ from: Int, _ to: Int) -> Bool {
        let a = nodes[from].validator, b = nodes[to].validator
        if oneWay.contains([a, b]) { return false }
        guard let groups else { return true }
        return groups.contains { $0.contains(a) && $0.contains(b) }
    }

    /// Sends an envelope: clock traffic draws from its own random stream, so that adding
    /// it left each seed's consensus schedule as it was.
    mutating func send(from: Int, to: Int, _ bytes: [UInt8]) {
        guard !nodes[from].crashed else { return }
        let kind = Envelope.peekKind(bytes)
        if kind == .clockProbe || kind == .clockReading {
            usingClockRandom { $0.transmit(from: from, to: to, bytes, kind: kind) }
        } else {
            transmit(from: from, to: to, bytes, kind: kind)
        }
    }

    /// The network's faults on one message, then its delivery.
    mutating func transmit(from: Int, to: Int, _ bytes: [UInt8], kind: MessageKind? = nil) {
        if nodes[from].byzantine.contains(.replay), kind != .clockProbe, kind != .clockReading {
            if nodes[from].sent.count > 64 { nodes[from].sent.removeFirst() }
            nodes[from].sent.append((to, bytes))
        }
        let faulty = now < faultsEnd
        guard linked(from, to) else { return }
        if now < isolatedUntil[from] ?? 0 || now < isolatedUntil[to] ?? 0 { return }
        if splitBrainEnabled, faulty, !isHonest(from), kind == .committedBlocks { return }  // the adversary helps nobody catch up
        if splitBrainEnabled, kind == .prevote || kind == .precommit, let vote = roundZeroVote(bytes),
           let split = splitBrain(height: vote.height), nodes[from].validator == split.a, split.c.contains(nodes[to].validator) {
            return  // C hears nothing from A in round 0, so it sees no polka
        }
        if faulty, options.faults.contains(.drop), chance(5) { return }
        var delay = between(2, 20)
        if faulty, options.faults.contains(.delay) { delay = between(2, 400) }
        schedule(at: now + delay, .deliver(from: from, to: to, bytes))
        if faulty, options.faults.contains(.duplicate), chance(3) {
            schedule(at: now + delay + between(0, 100), .deliver(from: from, to: to, bytes))
        }
    }

    /// The height of a round-0 vote envelope (nil for anything else).
    func roundZeroVote(_ bytes: [UInt8]) -> (height: UInt64, round: UInt64)? {
        guard let opened = try? SignedMessage(openingUnverified: bytes) else { return nil }
        switch opened.message {
        case .prevote(let v) where v.round == 0: return (v.height, v.round)
        case .precommit(let v) where v.round == 0: return (v.height, v.round)
        default: return nil
        }
    }
}
