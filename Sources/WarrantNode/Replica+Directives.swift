import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantStorage
import WarrantWire

/// Carrying out the core's directives, in the order given: a record is written durably
/// before any vote or proposal after it leaves; a decided block is applied and stored in
/// one transaction before the clients hear of it.
extension Replica {
    mutating func execute(_ directives: [Directive], now: UInt64) throws(NodeError) -> [Outbound] {
        var out: [Outbound] = []
        var work = directives[...]
        while let directive = work.popFirst() {
            switch directive {
            case .persist(let record):
                do {
                    try store.saveConsensusRecord(record)
                } catch {
                    throw NodeError(.storage, error.description)
                }
            case .broadcastProposal(let proposal), .rebroadcastProposal(let proposal):
                out.append(.broadcast(Envelope.seal(proposal, by: key).encoded))
            case .broadcastVote(let type, let height, let round, let block):
                let envelope = type == .prevote ? Envelope.seal(Prevote(height: height, round: round, block: block), by: key)
                    : Envelope.seal(Precommit(height: height, round: round, block: block), by: key)
                out.append(.broadcast(envelope.encoded))
                let vote = SignedVote(type: type, height: height, round: round, block: block, validator: key.publicKey,
                                      signature: envelope.signature)
                work.append(contentsOf: core.onVote(vote, now: now).directives)
            case .rebroadcastVote(let vote):
                out.append(.broadcast(vote.envelope))
            case .rebroadcastCertificate(let block, let certificate):
                let entry = CommittedBlock(block: block, certificate: certificate)
                out.append(.broadcast(Envelope.seal(CommittedBlocks(entries: [entry]), by: key).encoded))
            case .scheduleTimeout(let kind, let height, let round, let after):
                out.append(.schedule(kind, height: height, round: round, afterMs: after))
            case .decide(let block, let certificate):
                let notice = try apply(block, certificate)
                out.append(.committed(notice))
                work.append(contentsOf: core.onApplied(height: block.height, stateHash: notice.stateHash, now: now))
            case .forwardRequest(let bytes):
                out.append(.broadcast(bytes))
            case .broadcastEvidence(let evidence):
                out.append(.broadcast(Envelope.seal(evidence, by: key).encoded))
            }
        }
        return out
    }

    /// Applies a decided block to the ledger and stores it with its certificate and every
    /// change, in one transaction. (After a thrown error the replica must be discarded and
    /// reopened from its database, which is at the last block boundary.)
    mutating func apply(_ block: Block, _ certificate: Certificate) throws(NodeError) -> CommitNotice {
        let (ledgerBlock, _) = LedgerBlock.decoding(block)
        let outcome: BlockOutcome
        do {
            outcome = try ledger.apply(ledgerBlock)
        } catch {
            throw NodeError(.ledger, "block \(block.height): \(error)")
        }
        do {
            try store.commit(ledgerBlock, outcome: outcome, blockHash: certificate.block, blockBytes: block.cborBytes,
                             certificate: certificate.cborBytes, genesis: genesis)
        } catch {
            throw NodeError(.storage, error.description)
        }
        return CommitNotice(height: block.height, block: certificate.block, timeMs: block.timeMs, stateHash: outcome.stateHash,
                            outcomes: outcome.outcomes)
    }
}
