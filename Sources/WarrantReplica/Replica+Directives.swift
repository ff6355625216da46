import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantWire

/// Carrying out the core's directives, in the order given: a record is written durably
/// before any vote or proposal after it leaves; a decided block is applied and stored in
/// one transaction before the clients hear of it.
extension Replica {
    mutating func execute(_ directives: [Directive], now: UInt64) throws(ReplicaError) -> [Outbound] {
        var out: [Outbound] = []
        var work = directives[...]
        while let directive = work.popFirst() {
            switch directive {
            case .persist(let record):
                do {
                    try store.saveConsensusRecord(record)
                } catch {
                    throw ReplicaError(.storage, "\(error)")
                }
            case .broadcastProposal(let proposal), .rebroadcastProposal(let proposal):
                store.noteSent()
                out.append(.broadcast(signer.seal(proposal).encoded))
            case .broadcastVote(let type, let height, let round, let block):
                store.noteSent()
                let envelope = type == .prevote ? signer.seal(Prevote(height: height, round: round, block: block))
                    : signer.seal(Precommit(height: height, round: round, block: block))
                out.append(.broadcast(envelope.encoded))
                let vote = SignedVote(type: type, height: height, round: round, block: block, validator: signer.publicKey,
                                      signature: envelope.signature)
                work.append(contentsOf: core.onVote(vote, now: now).directives)
            case .rebroadcastVote(let vote):
                out.append(.broadcast(vote.envelope))
            case .rebroadcastCertificate(let block, let certificate):
                let entry = CommittedBlock(block: block, certificate: certificate)
                out.append(.broadcast(signer.seal(CommittedBlocks(entries: [entry])).encoded))
            case .scheduleTimeout(let kind, let height, let round, let after):
                out.append(.schedule(kind, height: height, round: round, afterMs: after))
            case .decide(let block, let certificate):
                let notice = try apply(block, certificate)
                out.append(.committed(notice, CommittedBlock(block: block, certificate: certificate)))
                work.append(contentsOf: core.onApplied(height: block.height, stateHash: notice.stateHash, now: now))
            case .forwardRequest(let bytes):
                out.append(.broadcast(bytes))
            case .broadcastEvidence(let evidence):
                out.append(.broadcast(signer.seal(evidence).encoded))
            }
        }
        return out
    }

    /// Applies a decided block to the ledger and stores it with its certificate and every
    /// change, in one transaction. (After a thrown error the replica must be discarded and
    /// reopened from its database, which is at the last block boundary.)
    mutating func apply(_ block: Block, _ certificate: Certificate) throws(ReplicaError) -> CommitNotice {
        let (ledgerBlock, _) = LedgerBlock.decoding(block)
        let outcome: BlockOutcome
        do {
            outcome = try ledger.apply(ledgerBlock)
        } catch {
            throw ReplicaError(.ledger, "block \(block.height): \(error)")
        }
        do {
            try store.commit(CommittedBlock(block: block, certificate: certificate), ledgerBlock: ledgerBlock, outcome: outcome,
                             ledger: ledger, genesis: genesis)
        } catch {
            throw ReplicaError(.storage, "\(error)")
        }
        return CommitNotice(height: block.height, block: certificate.block, timeMs: block.timeMs, stateHash: outcome.stateHash,
                            outcomes: outcome.outcomes)
    }
}
