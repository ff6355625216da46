import Foundation
import GRDB
import WarrantCrypto
import WarrantLedger
import WarrantSync
import WarrantWire

/// A node's SQLite database (WAL mode, through GRDB): its blocks, the outcome of every
/// request, and the ledger's tables. Each block's effects are written in one
/// transaction, so after a crash the database is at a block boundary, never half-way;
/// reopening rebuilds the exact ledger and checks it against the stored state hash.
public final class LedgerStore: Sendable {
    public let path: String
    let pool: DatabasePool
    /// Every request id the stored blocks carried, as a Bloom filter: most lookups of a
    /// new request end here. Exact only while this instance is the database's one writer
    /// (a node's store is).
    let committedIDs: Locked<RequestIDFilter>
    /// Time spent writing, for a node's metrics.
    public let timings = Locked(StoreTimings())
    /// The genesis the stored one was found equal to, remembered once a commit that
    /// checked it succeeded: every block's commit checks it, and rebuilding and hashing
    /// the genesis ledger each time was hot-path work.
    let verifiedGenesis = Locked<Genesis?>(nil)
    /// The file beside the database that says how far this validator may have signed, and
    /// what it says (read at opening, raised before each record that passes it).
    public let signingGuard: SigningGuard
    let guardHeight: Locked<UInt64>

    /// Opens (creating if needed) the database at `path`. `durable` makes every commit
    /// reach the disk before returning (`synchronous = FULL`); without it a commit
    /// survives a process crash but maybe not a power loss.
    public init(path: String, durable: Bool = true) throws(StorageError) {
        self.path = path
        signingGuard = SigningGuard(database: path)
        guardHeight = Locked(try signingGuard.read())
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = \(durable ? "FULL" : "NORMAL")")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Schema.migrator().migrate(pool)
            var filter = RequestIDFilter()
            try pool.read { db in
                let ids = try String.fetchCursor(db, sql: "SELECT request FROM outcomes")
                while let hex = try ids.next() { filter.insert(try Digest(hex: hex)) }
            }
            committedIDs = Locked(filter)
        } catch {
            throw StorageError.sqlite(error, "\(path)")
        }
    }

    /// Moves everything in the WAL of the database at `path` into the file and empties the
    /// WAL, as a clean shutdown leaves it (for a database no node has open).
    public static func checkpoint(path: String) throws(StorageError) {
        do {
            let queue = try DatabaseQueue(path: path)
            try queue.writeWithoutTransaction { db in _ = try Row.fetchAll(db, sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
            try queue.close()
        } catch {
            throw StorageError.sqlite(error, "\(path): checkpointing")
        }
    }

    /// The height of the last committed block (0 for a new database).
    public func height() throws(StorageError) -> UInt64 {
        try read { db in try UInt64(Int64.fetchOne(db, sql: "SELECT MAX(height) FROM applied") ?? 0) }
    }

    /// The state hash stored for `height`, if that block was committed.
    public func stateHash(at height: UInt64) throws(StorageError) -> Digest? {
        try read { db in
            try String.fetchOne(db, sql: "SELECT state_hash FROM applied WHERE height = ?", arguments: [Int64(height)])
                .map { try Digest(hex: $0) }
        }
    }

    /// The stored bytes of the block at `height`.
    public func blockBytes(at height: UInt64) throws(StorageError) -> [UInt8]? {
        try read { db in
            try Data.fetchOne(db, sql: "SELECT bytes FROM blocks WHERE height = ?", arguments: [Int64(height)]).map { Array($0) }
        }
    }

    // MARK: writing

    /// Writes one applied block and everything it changed, in one transaction.
    /// `outcome` must be what `ledger.apply(block)` returned.
    public func commit(_ block: LedgerBlock, outcome: BlockOutcome, blockHash: Digest, blockBytes: [UInt8],
                       certificate: [UInt8]? = nil, genesis: Genesis) throws(StorageError) {
        let started = ContinuousClock.now
        defer { timings.withLock { $0.blockCommits.add(since: started) } }
        do {
            try pool.write { db in
                try checkGenesis(db, genesis)
                let last = try Int64.fetchOne(db, sql: "SELECT MAX(height) FROM applied") ?? 0
                guard UInt64(last) + 1 == block.height else {
                    throw StorageError(.outOfSequence, "\(path): block \(block.height) committed after height \(last)")
                }
                let accepted = outcome.outcomes.filter(\.accepted).count
                try db.execute(
                    sql: "INSERT INTO blocks (height, time_ms, hash, request_count, bytes, certificate) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [int(block.height), int(block.timeMs), blockHash.hex, block.requests.count,
                                Data(blockBytes), certificate.map { Data($0) }])
                try db.execute(
                    sql: "INSERT INTO applied (height, state_hash, ordinal, accepted, rejected) VALUES (?, ?, ?, ?, ?)",
                    arguments: [int(block.height), outcome.stateHash.hex, int(outcome.changes.ordinal), accepted,
                                outcome.outcomes.count - accepted])
                committedIDs.withLock { filter in
                    for request in block.requests { filter.insert(request.id) }
                }
                for (position, (request, result)) in zip(block.requests, outcome.outcomes).enumerated() {
                    try db.cachedStatement(sql: "INSERT INTO outcomes (height, position, request, kind, signer, accepted, reason) VALUES (?, ?, ?, ?, ?, ?, ?)").execute(
                        arguments: [int(block.height), position, request.id.hex, request.kindName, request.signer.hex,
                                    result.accepted, result.reason?.name])
                    if result.accepted, case .act(let act) = request.body {
                        try db.cachedStatement(sql: "INSERT INTO spends (height, position, session, sequence, operation, resource, amount) VALUES (?, ?, ?, ?, ?, ?, ?)").execute(
                            arguments: [int(block.height), position, act.session.hex, int(act.sequence), act.operation,
                                        act.resource, int(act.amount)])
                    }
                }
                try write(outcome.changes, db)
            }
            verifiedGenesis.withLock { $0 = genesis }
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.sqlite(error, "\(path): committing block \(block.height)")
        }
    }

    private func write(_ changes: LedgerChanges, _ db: Database) throws {
        for id in changes.removedSessions {
            try db.cachedStatement(sql: "DELETE FROM sessions WHERE id = ?").execute(arguments: [id.hex])
        }
        for key in changes.removedNonces {
            try db.cachedStatement(sql: "DELETE FROM nonces WHERE signer = ? AND nonce = ?")
                .execute(arguments: [key.signer.hex, int(key.nonce)])
        }
        for s in changes.upsertedSessions {
            try db.cachedStatement(
                sql: """
                    INSERT OR REPLACE INTO sessions (id, principal, granted_by, nonce, session_key, operations, resources,
                        max_amount, not_before, expires_at, budget, max_uses, rate_count, rate_window_ms, parent, depth,
                        grant_height, grant_ordinal, spent, uses, carved_budget, carved_uses, last_sequence,
                        recent_act_times, revoked_height)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """).execute(
                arguments: [
                    s.id.hex, s.principal.hex, s.grantedBy.hex, int(s.nonce), s.sessionKey.hex, json(s.operations),
                    json(s.resources.map(\.text)), s.maxAmount.map(int), int(s.notBefore), int(s.expiresAt), int(s.budget),
                    s.maxUses.map(int), s.rate.map { int($0.count) }, s.rate.map { int($0.windowMs) }, s.parent?.hex,
                    s.depth, int(s.grantHeight), int(s.grantOrdinal), int(s.spent), int(s.uses), int(s.carvedBudget),
                    int(s.carvedUses), s.lastSequence.map(int), json(s.recentActTimes.map(int)), s.revokedHeight.map(int),
                ])
        }
        for record in changes.upsertedNonces {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO nonces (signer, nonce, retain_until) VALUES (?, ?, ?)").execute(
                arguments: [record.key.signer.hex, int(record.key.nonce),
                            record.retainUntil == NonceKey.forever ? nil : int(record.retainUntil)])
        }
        for record in changes.offenses {
            let o = record.offense
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO evidence (validator, kind, height, round, first_block, second_block, committed_height) VALUES (?, ?, ?, ?, ?, ?, ?)").execute(
                arguments: [o.validator.hex, o.kind.name, int(o.height), int(o.round), o.firstBlock?.hex, o.secondBlock?.hex,
                            int(record.height)])
        }
        for record in changes.revokeAll {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO revoke_alls (principal, ordinal, height) VALUES (?, ?, ?)").execute(
                arguments: [record.principal.hex, int(record.ordinal), int(record.height)])
        }
    }

    private func checkGenesis(_ db: Database, _ genesis: Genesis) throws {
        if verifiedGenesis.withLock({ $0 == genesis }) { return }
        let hash = Ledger(genesis: genesis).stateHash.hex
        if let stored = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'genesis'") {
            guard stored == hash else {
                throw StorageError(.wrongGenesis, "\(path) belongs to another cluster (genesis state \(stored.prefix(8)), expected \(hash.prefix(8)))")
            }
        } else {
            try db.execute(sql: "INSERT INTO meta (key, value) VALUES ('genesis', ?), ('schema', ?)",
                           arguments: [hash, String(Schema.version)])
        }
    }

    // MARK: reading the ledger back

    /// Rebuilds the ledger from the tables and checks it: the state hash recomputed from
    /// the records must equal the one stored for the last height.
    public func loadLedger(genesis: Genesis) throws(StorageError) -> Ledger {
        let ledger: Ledger
        let stored: String?
        do {
            (ledger, stored) = try pool.read { db in
                if let genesisHash = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'genesis'"),
                   genesisHash != Ledger(genesis: genesis).stateHash.hex {
                    throw StorageError(.wrongGenesis, "\(path) belongs to another cluster")
                }
                let head = try Row.fetchOne(db, sql: """
                    SELECT a.height, b.time_ms, a.ordinal, a.state_hash FROM applied a JOIN blocks b USING (height)
                    ORDER BY a.height DESC LIMIT 1
                    """)
                guard let head else { return (Ledger(genesis: genesis), nil) }
                let sessions = try Row.fetchAll(db, sql: "SELECT * FROM sessions").map(session)
                let nonces = try Row.fetchAll(db, sql: "SELECT * FROM nonces").map { row in
                    NonceRecord(key: NonceKey(signer: try PublicKey(hex: row["signer"] as String), nonce: uint(row["nonce"])),
                                retainUntil: (row["retain_until"] as Int64?).map { UInt64(bitPattern: $0) } ?? NonceKey.forever)
                }
                let revokeAlls = try Row.fetchAll(db, sql: "SELECT * FROM revoke_alls").map { row in
                    RevokeAllRecord(principal: try PublicKey(hex: row["principal"] as String), ordinal: uint(row["ordinal"]),
                                    height: uint(row["height"]))
                }
                let offenses = try Row.fetchAll(db, sql: "SELECT * FROM evidence").map { row in
                    guard let kind = MessageKind(name: row["kind"] as String) else {
                        throw StorageError(.corrupt, "\(path): evidence of unknown kind '\(row["kind"] as String)'")
                    }
                    let offense = Offense(validator: try PublicKey(hex: row["validator"] as String), kind: kind,
                                          height: uint(row["height"]), round: uint(row["round"]),
                                          firstBlock: try (row["first_block"] as String?).map { try Digest(hex: $0) },
                                          secondBlock: try (row["second_block"] as String?).map { try Digest(hex: $0) })
                    return OffenseRecord(offense: offense, height: uint(row["committed_height"]))
                }
                let ledger = Ledger(genesis: genesis, height: uint(head["height"]), lastBlockTimeMs: uint(head["time_ms"]),
                                    ordinal: uint(head["ordinal"]), sessions: sessions, nonces: nonces, revokeAlls: revokeAlls,
                                    offenses: offenses)
                return (ledger, head["state_hash"] as String)
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.sqlite(error, "\(path): reading the ledger")
        }
        if let stored, stored != ledger.stateHash.hex {
            throw StorageError(.corrupt, "\(path): the stored state hashes to \(ledger.stateHash.short) at height \(ledger.height), but \(stored.prefix(8)) was recorded")
        }
        return ledger
    }

    private func session(_ row: Row) throws -> Session {
        let resources = try strings(row["resources"]).map { text in
            guard let pattern = ResourcePattern(text) else { throw StorageError(.corrupt, "\(path): bad resource pattern '\(text)'") }
            return pattern
        }
        let rate: RateLimit? = (row["rate_count"] as Int64?).map {
            RateLimit(count: UInt64(bitPattern: $0), windowMs: uint(row["rate_window_ms"]))
        }
        let base = Session(
            id: try Digest(hex: row["id"] as String), principal: try PublicKey(hex: row["principal"] as String),
            grantedBy: try PublicKey(hex: row["granted_by"] as String), nonce: uint(row["nonce"]),
            sessionKey: try PublicKey(hex: row["session_key"] as String), operations: try strings(row["operations"]),
            resources: resources, maxAmount: optionalUInt(row["max_amount"]), notBefore: uint(row["not_before"]),
            expiresAt: uint(row["expires_at"]), budget: uint(row["budget"]), maxUses: optionalUInt(row["max_uses"]),
            rate: rate, parent: try (row["parent"] as String?).map { try Digest(hex: $0) }, depth: row["depth"],
            grantHeight: uint(row["grant_height"]), grantOrdinal: uint(row["grant_ordinal"]))
        let times = try integers(row["recent_act_times"])
        return Session(
            restoring: base, spent: uint(row["spent"]), uses: uint(row["uses"]), carvedBudget: uint(row["carved_budget"]),
            carvedUses: uint(row["carved_uses"]), lastSequence: optionalUInt(row["last_sequence"]),
            recentActTimes: times.map { UInt64(bitPattern: $0) }, revokedHeight: optionalUInt(row["revoked_height"]))
    }

    private func integers(_ text: String) throws -> [Int64] {
        let inner = text.dropFirst().dropLast()
        guard text.hasPrefix("["), text.hasSuffix("]") else { throw StorageError(.corrupt, "\(path): expected a JSON array, found \(text)") }
        return try inner.split(separator: ",").map { item in
            guard let value = Int64(item.trimmingCharacters(in: .whitespaces)) else {
                throw StorageError(.corrupt, "\(path): expected integers, found \(text)")
            }
            return value
        }
    }

    private func strings(_ text: String) throws -> [String] {
        guard let list = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String] else {
            throw StorageError(.corrupt, "\(path): expected a JSON array of strings, found \(text)")
        }
        return list
    }

    func read<T>(_ body: (Database) throws -> T) throws(StorageError) -> T {
        do {
            return try pool.read(body)
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError.sqlite(error, "\(path)")
        }
    }
}

/// How many transactions of each kind a store committed, and the seconds they took.
public struct StoreTimings: Sendable {
    public struct Tally: Sendable {
        public var count: UInt64 = 0
        public var seconds: Double = 0

        mutating func add(since started: ContinuousClock.Instant) {
            let (s, atto) = (ContinuousClock.now - started).components
            count += 1
            seconds += Double(s) + Double(atto) / 1e18
        }
    }

    /// One per decided block: the block, its outcomes and the ledger's changes.
    public var blockCommits = Tally()
    /// One per `.persist`: the consensus record.
    public var recordSaves = Tally()
}

// SQLite integers are signed 64-bit: unsigned values travel as their bit pattern (values
// above Int64.max show as negative numbers in the sqlite3 shell).
private func int(_ value: UInt64) -> Int64 { Int64(bitPattern: value) }
private func uint(_ value: Int64) -> UInt64 { UInt64(bitPattern: value) }
private func optionalUInt(_ value: Int64?) -> UInt64? { value.map { UInt64(bitPattern: $0) } }

private func json(_ value: [String]) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: value, options: [.withoutEscapingSlashes]), as: UTF8.self)
}

private func json(_ value: [Int64]) -> String {
    "[" + value.map(String.init).joined(separator: ",") + "]"
}

extension LedgerRequest {
    var kindName: String {
        switch body {
        case .grant: MessageKind.grant.name
        case .revoke: MessageKind.revoke.name
        case .revokeAll: MessageKind.revokeAll.name
        case .act: MessageKind.act.name
        }
    }
}
