import Foundation
import GRDB
import WarrantConsensus
import WarrantCrypto
import WarrantWire

/// The consensus side of a node's database: the consensus record (the WAL of locks and
/// own votes, one row, rewritten on every `.persist`) and the decided blocks with their
/// certificates, which catch-up serves to peers.
extension LedgerStore {
    /// Writes the record durably (one transaction) before anything it precedes leaves
    /// the node. The readable columns are for people with `sqlite3`; `record` is what a
    /// restart reads.
    public func saveConsensusRecord(_ record: ConsensusRecord) throws(StorageError) {
        let bytes = record.cborBytes
        do {
            try pool.write { db in
                try db.execute(
                    sql: """
                        INSERT OR REPLACE INTO consensus (id, height, round, step, locked_round, valid_round, own_votes, record)
                        VALUES (1, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [Int64(bitPattern: record.height), Int64(bitPattern: record.round), record.step.rawValue,
                                record.lockedRound, record.validRound, record.ownVotes.count, Data(bytes)])
            }
        } catch {
            throw StorageError(.io, "\(path): saving the consensus record at height \(record.height): \(error)")
        }
    }

    /// The last record saved, or nil for a node that never persisted one.
    public func loadConsensusRecord() throws(StorageError) -> ConsensusRecord? {
        let bytes = try read { db in try Data.fetchOne(db, sql: "SELECT record FROM consensus WHERE id = 1") }
        guard let bytes else { return nil }
        do {
            return try ConsensusRecord(stored: Array(bytes))
        } catch {
            throw StorageError(.corrupt, "\(path): the consensus record does not decode: \(error)")
        }
    }

    /// Decided blocks with their certificates from `height` on, at most `maxCount`, in
    /// height order, stopping at the first height not stored (catch-up answers).
    public func committedBlocks(from height: UInt64, maxCount: Int) throws(StorageError) -> [CommittedBlock] {
        let rows = try read { db in
            try Row.fetchAll(db, sql: "SELECT height, bytes, certificate FROM blocks WHERE height >= ? ORDER BY height LIMIT ?",
                             arguments: [Int64(bitPattern: height), maxCount])
        }
        var entries: [CommittedBlock] = []
        for row in rows {
            let at = UInt64(bitPattern: row["height"] as Int64)
            guard at == height + UInt64(entries.count), let certificateBytes = row["certificate"] as Data? else { break }
            do {
                entries.append(CommittedBlock(block: try Block(cbor: Array(row["bytes"] as Data), limits: ConsensusRecord.limits),
                                              certificate: try Certificate(cbor: Array(certificateBytes))))
            } catch {
                throw StorageError(.corrupt, "\(path): block \(at) or its certificate does not decode: \(error)")
            }
        }
        return entries
    }
}
