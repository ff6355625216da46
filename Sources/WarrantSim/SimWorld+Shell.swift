import WarrantCheck
import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantWire

/// The simulated world: the shell: carrying out directives.
extension SimWorld {

    mutating func execute(_ index: Int, _ directives: [Directive]) {
        var work = directives[...]
        while let directive = work.popFirst() {
            switch directive {
            case .persist(let record):
                nodes[index].record = record.cborBytes
            case .broadcastProposal(let proposal), .rebroadcastProposal(let proposal):
                nodes[index].recordBeforeDecision = nil
                broadcastProposal(from: index, proposal)
            case .broadcastVote(let type, let height, let round, let block):
                nodes[index].recordBeforeDecision = nil
                let key = validatorKeys[nodes[index].validator]
                let vote = SignedVote(type: type, height: height, round: round, block: block, validator: key,
                                      signature: voteSignature(type, height, round, block, by: key))
                broadcastVote(from: index, vote)
                work.append(contentsOf: nodes[index].core.onVote(vote, now: localNow(index)).directives)
            case .rebroadcastVote(let vote):
                broadcastVote(from: index, vote)
            case .rebroadcastCertificate(let block, let certificate):
                for peer in nodes.indices where peer != index { send(from: index, to: peer, .committedBlocks(CommittedBlocks(entries: [CommittedBlock(block: block, certificate: certificate)]))) }
            case .scheduleTimeout(let kind, let height, let round, let after):
                schedule(at: now + after, .timer(node: index, incarnation: nodes[index].incarnation, kind, height: height, round: round))
            case .decide(let block, let certificate):
                nodes[index].recordBeforeDecision = nodes[index].record ?? []
                work.append(contentsOf: apply(index, block, certificate))
            case .broadcastEvidence(let evidence):
                if isHonest(index), let key = try? evidence.offense().key, detectedOffenses[key] == nil {
                    detectedOffenses[key] = now
                    history.append(HistoryEvent(time: now - Self.t0, kind: .evidence, node: nodes[index].name,
                                                bytes: Hex.encode(evidence.cborBytes)))
                    if keepTrace { note("\(nodes[index].name) holds evidence against \(key.validator.short) at h\(key.height) r\(key.round) \(key.kind.name)") }
                }
                for peer in nodes.indices where peer != index { send(from: index, to: peer, .evidence(evidence)) }
            case .forwardRequest(let bytes):
                for peer in nodes.indices where peer != index { send(from: index, to: peer, .request(bytes)) }
            }
        }
    }

    mutating func apply(_ index: Int, _ block: Block, _ certificate: Certificate) -> [Directive] {
        nodes[index].decided[block.height] = CommittedBlock(block: block, certificate: certificate)
        nodes[index].appliedAt = now
        if let split = splitBrain(height: block.height), split.a == nodes[index].validator, certificate.round == 0 {
            // A decided alone: cut it off for a while, so that the others go on to round 1
            // without hearing of its decision (a partition timed around the round).
            isolatedUntil[index] = min(now + 2_500, faultsEnd)
            if keepTrace { note("adversary isolates \(nodes[index].name) after its decision at h\(block.height)") }
        }
        let (ledgerBlock, decoded) = LedgerBlock.decoding(block)
        let outcome: BlockOutcome
        do {
            outcome = try nodes[index].ledger.apply(ledgerBlock)
        } catch {
            let line = "\(nodes[index].name) cannot apply h\(block.height): \(error)"
            note(line)
            return []
        }
        let hash = certificate.block
        if !recordedBlocks.contains(hash) {
            recordedBlocks.insert(hash)
            history.append(HistoryEvent(time: now - Self.t0, kind: .block, height: block.height, block: hash.hex, bytes: Hex.encode(block.cborBytes)))
        }
        let accepted = outcome.outcomes.filter(\.accepted).map(\.request.hex)
        history.append(HistoryEvent(time: now - Self.t0, kind: .commit, node: nodes[index].name, height: block.height,
                                    block: hash.hex, state: outcome.stateHash.hex, accepted: accepted,
                                    outcomes: positionOutcomes(decoded, outcome.outcomes)))
        if keepTrace {
            let line = "\(nodes[index].name) commits h\(block.height) r\(certificate.round) \(hash.short) (\(block.requests.count) requests)"
            note(line)
        }
        for result in outcome.outcomes where pending[result.request] == index {
            pending[result.request] = nil
            history.append(HistoryEvent(time: now - Self.t0, kind: .ack, node: nodes[index].name, request: result.request.hex,
                                        outcome: result.accepted ? "ok" : "fail", reason: result.reason?.name, height: block.height))
        }
        return nodes[index].core.onApplied(height: block.height, stateHash: outcome.stateHash, now: localNow(index))
    }

    /// The outcome of every block position: the ledger's, or `malformed` for bytes it never saw.
    func positionOutcomes(_ decoded: [Bool], _ outcomes: [RequestOutcome]) -> [String] {
        var next = outcomes.makeIterator()
        return decoded.map { seen in seen ? (next.next()?.reason?.name ?? "ok") : ReasonCode.malformed.name }
    }
}
