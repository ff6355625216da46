import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantReplica
import WarrantStorage
import WarrantWire

/// A node's replica keeps its state in SQLite: the record, and each block with its
/// certificate and changes in one transaction.
extension LedgerStore: ReplicaStore {
    public func commit(_ decided: CommittedBlock, ledgerBlock: LedgerBlock, outcome: BlockOutcome, ledger: Ledger,
                       genesis: Genesis) throws {
        try commit(ledgerBlock, outcome: outcome, blockHash: decided.certificate.block, blockBytes: decided.block.cborBytes,
                   certificate: decided.certificate.cborBytes, genesis: genesis)
    }

    public func storedResult(of request: Digest) throws -> RequestResult? {
        try storedOutcome(of: request).map { RequestResult(outcome: $0.outcome, height: $0.height, blockTimeMs: $0.blockTimeMs) }
    }
}
