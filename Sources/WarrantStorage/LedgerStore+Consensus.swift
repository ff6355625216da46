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
        let started = ContinuousClock.now
        defer { timings.withLock { $0.recordSaves.add(since: started) } }
        let bytes = record.cborBytes
        // Only a record that precedes a signature raises the guard: a height the node
        // entered but signed nothing at need not be abstained at after a loss.
        if !record.ownVotes.isEmpty || !record.ownProposals.isEmpty {
            try guardHeight.withLock { (height: inout UInt64) throws(StorageError) in
                height = try signingGuard.raise(covering: record.height, current: height)
            }
        }
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
            throw StorageError.sqlite(error, "\(path): saving the consensus record at height \(record.height)")
        }
    }

    /// The height through which this validator may have signed (its `signing-guard`).
    public func signedThrough() -> UInt64 { guardHeight.withLock { $0 } }

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

/// A committed request's outcome as stored, for answering a resubmission of the same bytes.
public struct StoredOutcome: Hashable, Sendable {
    public let outcome: RequestOutcome
    public let height: UInt64
    public let blockTimeMs: UInt64
}

extension LedgerStore {
    /// The outcome of the request with this id, if a stored block holds it (the first
    /// position, if a Byzantine proposer put it in twice).
    public func storedOutcome(of request: Digest) throws(StorageError) -> StoredOutcome? {
        guard committedIDs.withLock({ $0.mayContain(request) }) else { return nil }
        let row = try read { db in
            try Row.fetchOne(db.cachedStatement(sql: """
                SELECT o.height, o.accepted, o.reason, b.time_ms FROM outcomes o JOIN blocks b USING (height)
                WHERE o.request = ? ORDER BY o.height, o.position LIMIT 1
                """), arguments: [request.hex])
        }
        guard let row else { return nil }
        let reasonName = row["reason"] as String?
        let reason = reasonName.flatMap { ReasonCode(name: $0) }
        if reasonName != nil && reason == nil { throw StorageError(.corrupt, "\(path): unknown reason '\(reasonName!)' for \(request.hex)") }
        return StoredOutcome(outcome: RequestOutcome(request: request, accepted: row["accepted"], reason: reason),
                             height: UInt64(bitPattern: row["height"] as Int64), blockTimeMs: UInt64(bitPattern: row["time_ms"] as Int64))
    }
}

/// One applied block as a node's database records it.
public struct AppliedBlock: Hashable, Sendable {
    public let height: UInt64
    public let block: Digest
    public let stateHash: Digest
    public let accepted: [Digest]
}

extension LedgerStore {
    /// Every applied block with its hash, the state hash after it, and the requests the
    /// ledger accepted — what a run's checkers compare across nodes.
    public func appliedBlocks() throws(StorageError) -> [AppliedBlock] {
        let rows = try read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.height, b.hash, a.state_hash,
                       (SELECT group_concat(o.request) FROM outcomes o WHERE o.height = a.height AND o.accepted = 1) AS accepted
                FROM applied a JOIN blocks b USING (height) ORDER BY a.height
                """)
        }
        do {
            return try rows.map { row in
                AppliedBlock(height: UInt64(bitPattern: row["height"] as Int64), block: try Digest(hex: row["hash"] as String),
                             stateHash: try Digest(hex: row["state_hash"] as String),
                             accepted: try ((row["accepted"] as String?) ?? "").split(separator: ",").map { try Digest(hex: String($0)) })
            }
        } catch {
            throw StorageError(.corrupt, "\(path): \(error)")
        }
    }
}

extension LedgerStore {
    /// The last control nonce this node accepted, so a recorded command cannot be
    /// replayed after a restart either (0 if none).
    public func controlNonce() throws(StorageError) -> UInt64 {
        try read { db in
            try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'control_nonce'").flatMap(UInt64.init) ?? 0
        }
    }

    public func saveControlNonce(_ nonce: UInt64) throws(StorageError) {
        do {
            try pool.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES ('control_nonce', ?)", arguments: [String(nonce)])
            }
        } catch {
            throw StorageError.sqlite(error, "\(path): saving the control nonce")
        }
    }
}
