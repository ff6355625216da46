import WarrantCheck
import WarrantConsensus
import WarrantCrypto
import WarrantFaults
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

    /// A Byzantine node's broadcast: its replica's envelope, rewritten by the node's own
    /// `ByzantineRewriter` — unless the split-brain adversary schedules this vote.
    mutating func byzantineBroadcast(from index: Int, _ bytes: [UInt8]) {
        let peers = nodes.indices.filter { $0 != index }
        if splitBrainVote(from: index, bytes, peers: peers) { return }
        let perPeer = nodes[index].byzantine.broadcast(bytes, peerCount: peers.count, ledger: nodes[index].replica.ledger)
        for (peer, envelopes) in zip(peers, perPeer) {
            for envelope in envelopes { send(from: index, to: peer, envelope) }
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

    /// The split-brain schedule for a round-0 vote of a split height: the real vote to A
    /// (and prevotes to B), nil to the rest. A coordination of all f faulty validators
    /// that no single node's rewriting can express, so it lives here. Whether it applied.
    mutating func splitBrainVote(from index: Int, _ bytes: [UInt8], peers: [Int]) -> Bool {
        guard splitBrainEnabled, let opened = try? SignedMessage(openingUnverified: bytes) else { return false }
        let vote: (type: VoteType, height: UInt64)
        switch opened.message {
        case .prevote(let v) where v.round == 0: vote = (.prevote, v.height)
        case .precommit(let v) where v.round == 0: vote = (.precommit, v.height)
        default: return false
        }
        guard let split = splitBrain(height: vote.height) else { return false }
        let me = nodes[index].validator
        let nilVote = vote.type == .prevote ? seal(Prevote(height: vote.height, round: 0, block: nil), as: me)
            : seal(Precommit(height: vote.height, round: 0, block: nil), as: me)
        for peer in peers {
            let validator = nodes[peer].validator
            let real = validator == split.a || (vote.type == .prevote && split.b.contains(validator))
            send(from: index, to: peer, real ? bytes : nilVote)
        }
        return true
    }

    /// A Byzantine node's answer to one peer, rewritten by its `ByzantineRewriter`; the
    /// simulator knows the prober's clock, so lying readings claim exactly that.
    mutating func byzantineAnswer(from index: Int, to peer: Int, _ bytes: [UInt8]) -> [UInt8] {
        let answer = nodes[index].byzantine.answer(bytes, proberClockMs: localNow(peer))
        if keepTrace, answer != bytes, Envelope.peekKind(bytes) == .committedBlocks {
            note("\(nodes[index].name) serves \(nodes[peer].name) a forged catch-up answer")
        }
        return answer
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
