import WarrantCheck
import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantWire

/// The simulated world: the edge: modelled signature checks.
extension SimWorld {

    func requestIsValid(_ bytes: [UInt8]) -> Bool {
        guard let envelope = try? Envelope(decoding: bytes) else { return false }
        return SignatureScheme.modelled.verifies(envelope)
    }

    func voteSignature(_ type: VoteType, _ height: UInt64, _ round: UInt64, _ block: Digest?, by key: PublicKey) -> Signature {
        let body = type == .prevote ? Prevote(height: height, round: round, block: block).cborBytes
            : Precommit(height: height, round: round, block: block).cborBytes
        return SignatureScheme.modelledSignature(by: key, kind: type == .prevote ? .prevote : .precommit, body: body)
    }

    func voteIsValid(_ vote: SignedVote) -> Bool {
        vote.signature == voteSignature(vote.type, vote.height, vote.round, vote.block, by: vote.validator)
    }

    mutating func receive(from: Int, to: Int, _ message: SimMessage) {
        let sabotaged = options.sabotage == .acceptBadSignature && isHonest(to)
        // A message from a later height means this node fell behind: ask the sender for
        // the blocks it missed (at most every 200 ms per peer).
        if let height = message.height, height > nodes[to].core.height, now >= (nodes[to].askedAt[from] ?? 0) + 200,
           isHonest(to) || splitBrain(height: nodes[to].core.height) == nil {
            nodes[to].askedAt[from] = now
            if keepTrace { note("\(nodes[to].name) at h\(nodes[to].core.height) asks \(nodes[from].name) (at h\(height)) to catch it up") }
            send(from: to, to: from, .catchUpRequest(nodes[to].core.height))
        }
        switch message {
        case .catchUpRequest(let height):
            let have = nodes[to].decided
            let blocks = (height..<(height + 20)).compactMap { have[$0] }
            if !blocks.isEmpty { send(from: to, to: from, .catchUpResponse(blocks)) }
        case .catchUpResponse(let blocks):
            if keepTrace { note("\(nodes[to].name) at h\(nodes[to].core.height) gets \(blocks.map(\.0.height)) from \(nodes[from].name)") }
            for (block, certificate) in blocks where block.height == nodes[to].core.height {
                receive(from: from, to: to, .committed(block, certificate))
            }
        case .proposal(let proposal, let bytes, let signature):
            let sender = validatorKeys[nodes[from].validator]
            guard sabotaged || signature == SignatureScheme.modelledSignature(by: sender, kind: .proposal, body: bytes) else { return }
            let requestsValid = sabotaged || proposal.block.requests.allSatisfy { requestIsValid($0.bytes) }
            if keepTrace, proposal.height == nodes[to].core.height, !(requestsValid && nodes[to].core.isValid(proposal.block)) {
                let core = nodes[to].core
                note("\(nodes[to].name) finds h\(proposal.height) r\(proposal.round) from \(nodes[from].name) invalid (requests \(requestsValid), time \(proposal.block.timeMs) vs \(core.lastBlockTimeMs), state \(proposal.block.stateHash.short) vs \(core.appliedStateHash?.short ?? "none"), previous \(proposal.block.previous.short) vs \(core.lastBlockHash.short))")
            }
            execute(to, nodes[to].core.onProposal(proposal, from: sender, signaturesValid: requestsValid, now: localNow(to)).directives)
        case .vote(let vote):
            guard sabotaged || voteIsValid(vote) else { return }
            execute(to, nodes[to].core.onVote(vote, now: localNow(to)).directives)
        case .request(let bytes):
            guard sabotaged || requestIsValid(bytes) else { return }
            if !nodes[to].byzantine.isEmpty, (try? Envelope(decoding: bytes))?.kind == .act {
                if nodes[to].seenActs.count >= 200 { nodes[to].seenActs.removeFirst() }
                nodes[to].seenActs.append(bytes)
            }
            execute(to, nodes[to].core.onRequest(id: Blake2b.hash(bytes), bytes: bytes, now: localNow(to)).directives)
        case .committed(let block, let certificate):
            let precommit = Precommit(height: certificate.height, round: certificate.round, block: certificate.block).cborBytes
            let valid = certificate.signatures.allSatisfy {
                $0.signature == SignatureScheme.modelledSignature(by: $0.validator, kind: .precommit, body: precommit)
            }
            let requestsValid = sabotaged || block.requests.allSatisfy { requestIsValid($0.bytes) }
            guard sabotaged || (valid && requestsValid) else {
                if keepTrace { note("\(nodes[to].name) refuses the certificate of h\(block.height) from \(nodes[from].name): bad signatures") }
                return
            }
            let reaction = nodes[to].core.onCommittedBlock(block, certificate: certificate, now: localNow(to))
            if keepTrace, case .ignored(let why) = reaction, why != .oldHeight {
                note("\(nodes[to].name) ignores the certificate of h\(block.height) from \(nodes[from].name): \(why.rawValue)")
            }
            execute(to, reaction.directives)
        }
    }
}
