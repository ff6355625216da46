import WarrantConsensus
import WarrantCrypto
import WarrantFaults
import WarrantLedger
import WarrantWire

/// The edge: every signature is verified here, before the core sees anything.
extension Replica {
    /// An envelope from a peer. Bad input is refused with a reason and changes nothing.
    public mutating func receive(_ bytes: [UInt8], now: UInt64, monotonicMs: UInt64) throws(ReplicaError) -> Reception {
        // A request's id is the hash of its bytes, taken once: a copy of one already
        // admitted or ordered (a client's resend forwarded again) is dropped before any
        // signature or database work (identical bytes verify identically).
        let requestID: Digest? = switch Envelope.peekKind(bytes) {
        case .grant?, .revoke?, .revokeAll?, .act?: Blake2b.hash(bytes)
        default: nil
        }
        if let requestID, core.pool.contains(requestID) || core.pool.wasOrdered(requestID) { return Reception() }
        let opened: SignedMessage
        do {
            opened = try open(bytes)
        } catch {
            return Reception(refusal: "refused an envelope: \(error)")
        }
        let sender = opened.envelope.sender
        var out = catchUpIfBehind(opened.message, from: sender, now: now)
        switch opened.message {
        case .proposal(let proposal):
            let valid = signaturesValid(proposal.block)
            out += try execute(core.onProposal(proposal, from: sender, signaturesValid: valid, now: now).directives, now: now)
        case .prevote(let vote):
            let signed = SignedVote(type: .prevote, height: vote.height, round: vote.round, block: vote.block, validator: sender,
                                    signature: opened.envelope.signature)
            out += try execute(core.onVote(signed, now: now).directives, now: now)
        case .precommit(let vote):
            let signed = SignedVote(type: .precommit, height: vote.height, round: vote.round, block: vote.block, validator: sender,
                                    signature: opened.envelope.signature)
            out += try execute(core.onVote(signed, now: now).directives, now: now)
        case .evidence(let evidence):
            guard evidenceIsSigned(evidence) else { return Reception(outbound: out, refusal: "evidence from \(sender.short) has a bad vote signature") }
            out += try execute(core.onEvidence(evidence, now: now).directives, now: now)
        case .blockRequest(let request):
            if let answer = try answer(request) { out.append(.send(to: sender, answer)) }
        case .committedBlocks(let blocks):
            let (work, refusal) = try receiveBlocks(blocks, from: sender, now: now)
            return Reception(outbound: out + work, refusal: refusal)
        case .grant, .revoke, .revokeAll, .act:
            // A request our database already holds was committed (perhaps before a
            // restart emptied the core's memory of ordered requests): never again.
            let id = requestID ?? opened.hash
            if try storedOutcomeExists(id) { return Reception(outbound: out) }
            out += try execute(core.onRequest(id: id, bytes: bytes, from: .peer, now: now).directives, now: now)
        case .clockProbe(let probe):
            guard validators.contains(sender) else { return Reception(outbound: out, refusal: "\(sender.short) is not a validator") }
            out.append(answer(probe, from: sender, now: now))
        case .clockReading(let reading):
            out += take(reading, from: sender, now: now, monotonicMs: monotonicMs)
        default:
            return Reception(outbound: out, refusal: "\(sender.short) sent a \(opened.envelope.kind.name), which peers do not exchange")
        }
        return Reception(outbound: out)
    }

    func storedOutcomeExists(_ id: Digest) throws(ReplicaError) -> Bool {
        do {
            return try store.storedResult(of: id) != nil
        } catch {
            throw ReplicaError(.storage, "\(error)")
        }
    }

    /// Every signature a block carries besides its certificate: its requests (those in
    /// our pool were verified when admitted) and both votes of each piece of evidence.
    func signaturesValid(_ block: Block) -> Bool {
        if sabotage.contains(.acceptBadSignature) { return true }
        return block.requests.allSatisfy { request in
            core.pool.contains(Blake2b.hash(request.bytes))
                || ((try? Envelope(decoding: request.bytes)).map(signer.scheme.verifies) ?? false)
        } && block.evidence.allSatisfy(evidenceIsSigned)
    }

    func evidenceIsSigned(_ evidence: Evidence) -> Bool {
        guard let envelopes = try? evidence.envelopes() else { return false }
        return envelopes.allSatisfy(signer.scheme.verifies)
    }

    // MARK: catch-up

    /// A message showing that the sender decided a block this replica lacks means it fell
    /// behind: ask the sender for the blocks (at most once per `catchUpIntervalMs` per
    /// peer). A proposal or vote of the very next height only shows the sender decided
    /// ours — the core keeps it, and the precommits or the sender's rebroadcast
    /// certificate will bring our decision without a block request.
    mutating func catchUpIfBehind(_ message: Message, from peer: PublicKey, now: UInt64) -> [Outbound] {
        // The last height the sender has decided (a committed block: that block's).
        let decided: UInt64? = switch message {
        case .proposal(let p): p.height > 0 ? p.height - 1 : nil
        case .prevote(let v): v.height > 0 ? v.height - 1 : nil
        case .precommit(let v): v.height > 0 ? v.height - 1 : nil
        case .committedBlocks(let blocks) where blocks.entries.count == 1: blocks.entries[0].block.height
        default: nil
        }
        guard let decided, decided > core.height, validators.contains(peer),
              mayAskBlocks(from: peer, now: now) else { return [] }
        return [askBlocks(from: peer, now: now)]
    }

    /// At most one block request per peer per `catchUpIntervalMs`.
    func mayAskBlocks(from peer: PublicKey, now: UInt64) -> Bool {
        askedAt[peer].map { now >= $0 + catchUpIntervalMs } ?? true
    }

    mutating func askBlocks(from peer: PublicKey, now: UInt64) -> Outbound {
        askedAt[peer] = now
        return .send(to: peer, signer.seal(BlockRequest(fromHeight: core.height, maxCount: catchUpBatch)).encoded)
    }

    /// The decided blocks a peer asked for, with their certificates, within our limits.
    public func answer(_ request: BlockRequest) throws(ReplicaError) -> [UInt8]? {
        let count = Int(min(request.maxCount, BlockRequest.maxCountLimit, catchUpBatch))
        let stored: [CommittedBlock]
        do {
            stored = try store.committedBlocks(from: request.fromHeight, maxCount: count)
        } catch {
            throw ReplicaError(.storage, "\(error)")
        }
        var entries: [CommittedBlock] = []
        var size = 0
        for entry in stored {
            size += entry.block.cborBytes.count + entry.certificate.cborBytes.count
            if size > maxAnswerBytes && !entries.isEmpty { break }
            entries.append(entry)
        }
        guard !entries.isEmpty else { return nil }
        return signer.seal(CommittedBlocks(entries: entries)).encoded
    }

    /// Blocks from a peer: each certificate is checked here (2f + 1 valid precommits from
    /// the validator set for exactly this block), and every signature inside the block;
    /// the core then checks that the block extends our chain with our state hash. The
    /// first bad entry ends the answer and is reported; a full answer asks for more.
    mutating func receiveBlocks(_ blocks: CommittedBlocks, from peer: PublicKey, now: UInt64) throws(ReplicaError) -> ([Outbound], String?) {
        var out: [Outbound] = []
        var applied = 0
        for entry in blocks.entries where entry.block.height >= core.height {
            guard entry.block.height == core.height else { break }
            if let problem = validators.problem(with: entry.certificate, for: entry.block, signatures: signer.scheme) {
                return (out, "\(peer.short) sent block \(entry.block.height) with a bad certificate: \(problem.rawValue)")
            }
            guard signaturesValid(entry.block) else {
                return (out, "\(peer.short) sent block \(entry.block.height) holding a badly signed request or evidence")
            }
            let reaction = core.onCommittedBlock(entry.block, certificate: entry.certificate, now: now)
            if case .ignored(let why) = reaction {
                return (out, "\(peer.short) sent block \(entry.block.height) that does not extend our chain: \(why.rawValue)")
            }
            out += try execute(reaction.directives, now: now)
            applied += 1
        }
        if applied > 0, applied == Int(catchUpBatch) { out.append(askBlocks(from: peer, now: now)) }
        return (out, nil)
    }
}
