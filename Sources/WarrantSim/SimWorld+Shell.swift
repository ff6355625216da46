import WarrantCheck
import WarrantConsensus
import WarrantCrypto
import WarrantHistory
import WarrantLedger
import WarrantReplica
import WarrantWire

/// The simulated world: the shell, carrying out what a replica asks — as a node's shell
/// does, with the virtual network, timers and history in place of sockets and logs.
extension SimWorld {

    /// Runs one input through node `index`'s replica — in place, given the node's wall
    /// clock and the monotonic (virtual) time — and carries out what it asks. A replica
    /// that throws is treated as a node that stopped: it crashes, and a restart reopens it
    /// from its store.
    mutating func step(_ index: Int, arrivedFrom: Int? = nil,
                       _ input: (inout Replica<MemoryStore>, _ wall: UInt64, _ monotonic: UInt64) throws -> [Outbound]) {
        let wall = localNow(index), monotonic = now
        let locked = (round: nodes[index].replica.core.lockedRound, value: nodes[index].replica.core.lockedValue)
        let outbound: [Outbound]
        do {
            outbound = try input(&nodes[index].replica, wall, monotonic)
        } catch {
            note("\(nodes[index].name) stops: \(error)")
            crash(index)
            return
        }
        let core = nodes[index].replica.core
        if core.lockedRound > locked.round, let before = locked.value, let after = core.lockedValue, before != after {
            coverage.reached(.lockMovedByNewerPolka)
        }
        dispatch(index, outbound, arrivedFrom: arrivedFrom)
    }

    mutating func dispatch(_ index: Int, _ outbound: [Outbound], arrivedFrom: Int? = nil) {
        for item in outbound {
            switch item {
            case .broadcast(let bytes):
                if isHonest(index) { noteEvidence(index, bytes) }
                backSplitProposal(from: index, bytes)
                if nodes[index].byzantine.isHonest {
                    for peer in nodes.indices where peer != index { send(from: index, to: peer, bytes) }
                } else {
                    byzantineBroadcast(from: index, bytes)
                }
            case .send(let key, let bytes):
                // An answer goes back over the link the question came on (a twin shares its
                // original's key); otherwise to the node that signs with the key.
                let to = arrivedFrom.flatMap { validatorKeys[nodes[$0].validator] == key ? $0 : nil }
                    ?? nodes.indices.first { validatorKeys[nodes[$0].validator] == key }
                guard let to else { continue }
                send(from: index, to: to, nodes[index].byzantine.isHonest ? bytes : byzantineAnswer(from: index, to: to, bytes))
            case .schedule(let kind, let height, let round, let after):
                schedule(at: now + after, .timer(node: index, incarnation: nodes[index].incarnation, kind, height: height, round: round))
            case .committed(let notice, let decided):
                recordCommit(index, notice, decided)
            }
        }
    }

    /// An honest node's first evidence of an offense is a history event (the `evidence`
    /// checker then requires it to end committed).
    mutating func noteEvidence(_ index: Int, _ bytes: [UInt8]) {
        guard Envelope.peekKind(bytes) == .evidence, let envelope = try? Envelope(decoding: bytes),
              let evidence = try? Evidence(cbor: envelope.body), let key = try? evidence.offense().key,
              detectedOffenses[key] == nil else { return }
        detectedOffenses[key] = now
        history.append(HistoryEvent(time: now - Self.t0, kind: .evidence, node: nodes[index].name, bytes: Hex.encode(evidence.cborBytes)))
        if keepTrace { note("\(nodes[index].name) holds evidence against \(key.validator.short) at h\(key.height) r\(key.round) \(key.kind.name)") }
    }

    /// A block the node applied and stored: the history's `block` (once) and `commit`
    /// events, and the acknowledgements of requests submitted to this node.
    mutating func recordCommit(_ index: Int, _ notice: CommitNotice, _ decided: CommittedBlock) {
        nodes[index].appliedAt = now
        let block = decided.block, certificate = decided.certificate
        if let split = splitBrain(height: block.height), split.a == nodes[index].validator, certificate.round == 0 {
            // A decided alone: cut it off for a while, so that the others go on to round 1
            // without hearing of its decision (a partition timed around the round).
            isolatedUntil[index] = min(now + 2_500, faultsEnd)
            if keepTrace { note("adversary isolates \(nodes[index].name) after its decision at h\(block.height)") }
        }
        if recordedBlocks.insert(notice.block).inserted {
            if !block.evidence.isEmpty { coverage.reached(.evidenceCommitted) }
            history.append(HistoryEvent(time: now - Self.t0, kind: .block, height: block.height, block: notice.block.hex,
                                        bytes: Hex.encode(block.cborBytes)))
        }
        let (_, decoded) = LedgerBlock.decoding(block)
        history.append(HistoryEvent(time: now - Self.t0, kind: .commit, node: nodes[index].name, height: block.height,
                                    block: notice.block.hex, state: notice.stateHash.hex,
                                    accepted: notice.outcomes.filter(\.accepted).map(\.request.hex),
                                    outcomes: positionOutcomes(decoded, notice.outcomes)))
        if keepTrace { note("\(nodes[index].name) commits h\(block.height) r\(certificate.round) \(notice.block.short) (\(block.requests.count) requests)") }
        for result in notice.outcomes where result.accepted && revocations.remove(result.request) != nil {
            if nodes.indices.contains(where: { isHonest($0) && !nodes[$0].crashed && !isFresh($0) }) {
                coverage.reached(.revocationWhileCutOff)
            }
        }
        for result in notice.outcomes where pending[result.request] == index {
            pending[result.request] = nil
            history.append(HistoryEvent(time: now - Self.t0, kind: .ack, node: nodes[index].name, request: result.request.hex,
                                        outcome: result.accepted ? "ok" : "fail", reason: result.reason?.name, height: block.height))
        }
    }

    /// Whether a node hears a quorum at its height recently enough to answer checks.
    func isFresh(_ index: Int) -> Bool {
        readings(index).sinceQuorumMs.map { $0 <= genesis.parameters.maxStalenessMs } ?? false
    }

    /// The outcome of every block position: the ledger's, or `malformed` for bytes it never saw.
    func positionOutcomes(_ decoded: [Bool], _ outcomes: [RequestOutcome]) -> [String] {
        var next = outcomes.makeIterator()
        return decoded.map { seen in seen ? (next.next()?.reason?.name ?? "ok") : ReasonCode.malformed.name }
    }
}
