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

    /// Both votes of a piece of evidence carry their validator's (modelled) signature.
    func evidenceIsSigned(_ evidence: Evidence) -> Bool {
        guard let envelopes = try? evidence.envelopes() else { return false }
        return envelopes.allSatisfy(SignatureScheme.modelled.verifies)
    }

    /// Every signature a block carries besides its certificate: requests and evidence.
    func blockSignaturesValid(_ block: Block) -> Bool {
        block.requests.allSatisfy { requestIsValid($0.bytes) } && block.evidence.allSatisfy(evidenceIsSigned)
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
            askForBlocks(to, from: from)
        }
        switch message {
        case .blockRequest(let request):
            serveBlocks(request, from: to, to: from)
        case .committedBlocks(let blocks):
            receiveBlocks(blocks, from: from, to: to, sabotaged: sabotaged)
        case .proposal(let proposal, let bytes, let signature):
            let sender = validatorKeys[nodes[from].validator]
            guard sabotaged || signature == SignatureScheme.modelledSignature(by: sender, kind: .proposal, body: bytes) else { return }
            let requestsValid = sabotaged || blockSignaturesValid(proposal.block)
            if keepTrace, proposal.height == nodes[to].core.height, !(requestsValid && nodes[to].core.isValid(proposal.block)) {
                let core = nodes[to].core
                note("\(nodes[to].name) finds h\(proposal.height) r\(proposal.round) from \(nodes[from].name) invalid (requests \(requestsValid), time \(proposal.block.timeMs) vs \(core.lastBlockTimeMs), state \(proposal.block.stateHash.short) vs \(core.appliedStateHash?.short ?? "none"), previous \(proposal.block.previous.short) vs \(core.lastBlockHash.short))")
            }
            execute(to, nodes[to].core.onProposal(proposal, from: sender, signaturesValid: requestsValid, now: localNow(to)).directives)
        case .vote(let vote):
            guard sabotaged || voteIsValid(vote) else { return }
            execute(to, nodes[to].core.onVote(vote, now: localNow(to)).directives)
        case .evidence(let evidence):
            guard sabotaged || evidenceIsSigned(evidence) else { return }
            execute(to, nodes[to].core.onEvidence(evidence, now: localNow(to)).directives)
        case .clockProbe(let probe):
            answerProbe(probe, from: from, to: to)
        case .clockReading(let reading):
            takeReading(reading, from: from, to: to)
        case .request(let bytes):
            guard sabotaged || requestIsValid(bytes) else { return }
            if !nodes[to].byzantine.isEmpty, (try? Envelope(decoding: bytes))?.kind == .act {
                if nodes[to].seenActs.count >= 200 { nodes[to].seenActs.removeFirst() }
                nodes[to].seenActs.append(bytes)
            }
            execute(to, nodes[to].core.onRequest(id: Blake2b.hash(bytes), bytes: bytes, now: localNow(to)).directives)
        }
    }

    /// Catch-up, asking side.
    mutating func askForBlocks(_ index: Int, from peer: Int) {
        send(from: index, to: peer, .blockRequest(BlockRequest(fromHeight: nodes[index].core.height, maxCount: Self.catchUpBatch)))
    }

    /// Catch-up, serving side: the decided blocks asked for, or (a Byzantine node serving
    /// forgeries) a tampered block under a real certificate or a block under a forged one.
    mutating func serveBlocks(_ request: BlockRequest, from index: Int, to peer: Int) {
        let count = min(request.maxCount, BlockRequest.maxCountLimit)
        var entries = (request.fromHeight..<(request.fromHeight + count)).compactMap { nodes[index].decided[$0] }
        guard !entries.isEmpty else { return }
        if nodes[index].byzantine.contains(.forgedProposal), chance(50) {
            var forged = entries[0]
            forged.block.timeMs += 1
            if chance(50) {
                // Re-sign the certificate for the tampered block: only this validator's
                // signature can be real; the others' are forged.
                forged.certificate.block = forged.block.hash
                let mine = validatorKeys[nodes[index].validator]
                let body = forged.certificate.precommit.cborBytes
                forged.certificate.signatures = forged.certificate.signatures.map {
                    CommitSignature(validator: $0.validator, signature: SignatureScheme.modelledSignature(by: mine, kind: .precommit, body: body))
                }
            }
            entries[0] = forged
            if keepTrace { note("\(nodes[index].name) serves \(nodes[peer].name) a forged h\(forged.block.height)") }
        }
        send(from: index, to: peer, .committedBlocks(CommittedBlocks(entries: entries)))
    }

    /// Catch-up, receiving side: each block's certificate and request signatures are
    /// checked here at the edge, then the core decides it (and checks that it extends our
    /// chain and carries our state hash). The first bad entry ends the answer.
    mutating func receiveBlocks(_ blocks: CommittedBlocks, from: Int, to: Int, sabotaged: Bool) {
        if keepTrace, blocks.entries.count > 1 {
            note("\(nodes[to].name) at h\(nodes[to].core.height) gets h\(blocks.entries.first!.block.height)–h\(blocks.entries.last!.block.height) from \(nodes[from].name)")
        }
        var applied = 0
        for entry in blocks.entries where entry.block.height >= nodes[to].core.height {
            guard entry.block.height == nodes[to].core.height else { break }
            let problem = validators.problem(with: entry.certificate, for: entry.block, signatures: .modelled)
            let requestsValid = blockSignaturesValid(entry.block)
            guard sabotaged || (problem == nil && requestsValid) else {
                if isHonest(to) { refusals += 1 }
                if keepTrace { note("\(nodes[to].name) refuses h\(entry.block.height) from \(nodes[from].name): \(problem?.rawValue ?? "bad request signature")") }
                break
            }
            let reaction = nodes[to].core.onCommittedBlock(entry.block, certificate: entry.certificate, now: localNow(to))
            if case .ignored(let why) = reaction {
                if keepTrace { note("\(nodes[to].name) ignores the certificate of h\(entry.block.height) from \(nodes[from].name): \(why.rawValue)") }
                break
            }
            execute(to, reaction.directives)
            applied += 1
        }
        // A full answer means there is more: ask again at once.
        if applied == Int(Self.catchUpBatch), !nodes[to].crashed { askForBlocks(to, from: from) }
    }
}
