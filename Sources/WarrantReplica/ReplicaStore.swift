import WarrantConsensus
import WarrantCrypto
import WarrantLedger
import WarrantWire

/// What a replica keeps durably: its consensus record, and each decided block with its
/// certificate and the ledger changes it caused, one block at a time. Nodes use SQLite
/// (`LedgerStore`, conformed in WarrantNode); the simulator uses `MemoryStore`. A write
/// that returned is durable; a crash loses at most what the store's own model says.
public protocol ReplicaStore: Sendable {
    /// The ledger as of the last stored block (genesis when none), checked against the
    /// stored state hash.
    func loadLedger(genesis: Genesis) throws -> Ledger
    func loadConsensusRecord() throws -> ConsensusRecord?
    /// Up to `maxCount` decided blocks with their certificates, from `height` on.
    func committedBlocks(from height: UInt64, maxCount: Int) throws -> [CommittedBlock]
    mutating func saveConsensusRecord(_ record: ConsensusRecord) throws
    /// Stores a decided block, its effects and the ledger it led to (one transaction on disk).
    mutating func commit(_ decided: CommittedBlock, ledgerBlock: LedgerBlock, outcome: BlockOutcome, ledger: Ledger,
                         genesis: Genesis) throws
    /// The outcome of a request a stored block carried, if one did.
    func storedResult(of request: Digest) throws -> RequestResult?
    /// A vote or proposal left the replica: the record persisted before it is surely
    /// durable (a store that models losing it in a crash stops doing so).
    mutating func noteSent()
    /// The height through which this validator may have signed, kept apart from the record
    /// (`saveConsensusRecord` raises it first, when the record holds a vote or proposal of
    /// its own — one that is about to leave), so that it survives the record's loss: a
    /// store without a record but with this above zero lost its database, and the replica
    /// signs nothing up to it (`ConsensusCore.abstainThrough`).
    func signedThrough() throws -> UInt64
}

extension ReplicaStore {
    public mutating func noteSent() {}
}

/// The simulator's store: everything in memory, as a value. It models the one loss a
/// real crash can cause here — the consensus record written after a decision, when the
/// block's transaction committed and the record's did not — with `crash(losingRecord:)`.
public struct MemoryStore: ReplicaStore {
    var ledger: Ledger?
    var record: [UInt8]?
    /// The record from before the last decision, while nothing has left the node since.
    var recordBeforeDecision: [UInt8]??
    public private(set) var blocks: [UInt64: CommittedBlock] = [:]
    var results: [Digest: RequestResult] = [:]
    /// Kept apart from the rest, as a node keeps its `signing-guard` file: `loseDatabase()` keeps it.
    var guardHeight: UInt64 = 0

    public init() {}

    public func signedThrough() throws -> UInt64 { guardHeight }

    public func loadLedger(genesis: Genesis) throws -> Ledger { ledger ?? Ledger(genesis: genesis) }

    public func loadConsensusRecord() throws -> ConsensusRecord? {
        guard let record else { return nil }
        return try ConsensusRecord(stored: record)
    }

    public func committedBlocks(from height: UInt64, maxCount: Int) throws -> [CommittedBlock] {
        guard maxCount > 0 else { return [] }
        return (height..<(height + UInt64(maxCount))).compactMap { blocks[$0] }
    }

    public mutating func saveConsensusRecord(_ record: ConsensusRecord) throws {
        if !record.ownVotes.isEmpty || !record.ownProposals.isEmpty { guardHeight = max(guardHeight, record.height) }
        self.record = record.cborBytes
    }

    public mutating func noteSent() { recordBeforeDecision = nil }

    public mutating func commit(_ decided: CommittedBlock, ledgerBlock: LedgerBlock, outcome: BlockOutcome, ledger: Ledger,
                                genesis: Genesis) throws {
        self.ledger = ledger
        recordBeforeDecision = .some(record)
        blocks[decided.block.height] = decided
        for result in outcome.outcomes where results[result.request] == nil {
            results[result.request] = RequestResult(outcome: result, height: decided.block.height, blockTimeMs: decided.block.timeMs)
        }
    }

    public func storedResult(of request: Digest) throws -> RequestResult? { results[request] }

    /// What a crash leaves: everything, except — when `losingRecord` and nothing left the
    /// node since its last decision — the record written after that decision.
    public mutating func crash(losingRecord: Bool) {
        if losingRecord, let earlier = recordBeforeDecision { record = earlier }
        recordBeforeDecision = nil
    }

    /// A disk replaced by an empty one.
    public mutating func wipe() { self = MemoryStore() }

    /// A database lost (corrupted, truncated, moved aside) while the signing guard beside
    /// it survived: the node restores from its peers and abstains through the guard.
    public mutating func loseDatabase() {
        let kept = guardHeight
        self = MemoryStore()
        guardHeight = kept
    }
}

extension Replica where Store == MemoryStore {
    /// The simulator's crash: the store keeps what a real crash would leave.
    public mutating func crash(losingRecord: Bool) { store.crash(losingRecord: losingRecord) }
}
