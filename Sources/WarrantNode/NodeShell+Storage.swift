import Foundation
import WarrantConsensus
import WarrantCrypto
import WarrantFaults
import WarrantLedger
import WarrantReplica
import WarrantStorage
import WarrantTopology
import WarrantWire

/// What a node does when its database fails it. It never acts on state it could not
/// persist: a write that fails (a full disk, an I/O error) halts it — no votes, no
/// proposals, no ordering, every check denied `unavailable` — until a write succeeds
/// again, when it reopens its replica from the database (at the last block boundary) and
/// catches up from its peers. A database found damaged at start (`SQLITE_CORRUPT`,
/// `SQLITE_NOTADB`, a state hash that does not match) is moved aside, never deleted, and
/// the node restores from its peers, signing nothing its earlier incarnation may have
/// signed (the signing guard beside the database).
extension NodeShell {
    /// Why the node's storage stopped it, and since when (monotonic ms).
    struct StorageHalt {
        var reason: String
        let since: UInt64
    }

    /// How often a halted node tries to write again.
    static let storageRetryMs: UInt64 = 1_000

    /// Opens the database at `path` and the replica on it. A damaged database is moved
    /// aside and replaced by an empty one; `damage` says what was found and where it went.
    static func openReplica(path: String, topology: Topology, keys: ClusterKeys, key: SigningKey,
                            sabotage: Set<Sabotage>) throws -> (store: LedgerStore, replica: Replica<LedgerStore>, damage: String?) {
        let genesis = keys.genesis(topology)
        func open() throws -> (LedgerStore, Replica<LedgerStore>) {
            let store = try LedgerStore(path: path)
            do {
                return (store, try replica(on: store, topology: topology, keys: keys, key: key, genesis: genesis, sabotage: sabotage))
            } catch {
                // Say what in the database is wrong, in the store's own terms.
                _ = try store.loadLedger(genesis: genesis)
                _ = try store.loadConsensusRecord()
                throw error
            }
        }
        do {
            let (store, replica) = try open()
            return (store, replica, nil)
        } catch let error as StorageError where error.code == .corrupt {
            let aside = try moveAside(path)
            let (store, replica) = try open()
            return (store, replica, "\(error.description) — moved aside to \(aside)")
        }
    }

    static func replica(on store: LedgerStore, topology: Topology, keys: ClusterKeys, key: SigningKey, genesis: Genesis,
                        sabotage: Set<Sabotage>) throws(ReplicaError) -> Replica<LedgerStore> {
        let validators = ValidatorSet(topology.validators.map { keys.nodes[$0.name]! })
        return try Replica(signer: .ed25519(key), validators: validators, genesis: genesis, genesisTimeMs: topology.cluster.genesisTimeMs,
                           parameters: topology.cluster.consensus, store: store, nonceSeed: UInt64.random(in: 0...UInt64.max),
                           sabotage: sabotage)
    }

    /// Renames the database and its WAL and shared-memory files to `PATH.damaged-MS…`,
    /// returning the new name of the database.
    static func moveAside(_ path: String) throws -> String {
        let aside = "\(path).damaged-\(UInt64(Date().timeIntervalSince1970 * 1000))"
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: path + suffix) {
            do {
                try FileManager.default.moveItem(atPath: path + suffix, toPath: aside + suffix)
            } catch {
                throw NodeError(.storage, "\(path + suffix): damaged, and it cannot be moved aside: \(error.localizedDescription)")
            }
        }
        return aside
    }

    /// A failure on the way: a storage failure halts the node (it recovers when it can
    /// write again); anything else is a bug and stops the process.
    func failed(_ error: any Error) {
        guard let failure = error as? ReplicaError, failure.code == .storage else { fail(error) }
        halt(failure.description)
    }

    func halt(_ reason: String) {
        if halted != nil {
            halted?.reason = reason
            return
        }
        halted = StorageHalt(reason: reason, since: clock.monotonicMs)
        logger.critical("storage failed: voting, ordering and allowing nothing until the database can be written again",
                        metadata: ["error": "\(reason)", "height": "\(replica.ledger.height)"])
        // Clients waiting for a block hear it now; their requests may still commit elsewhere.
        for (id, waiters) in waiting {
            for waiter in waiters { answer(waiter.request, unavailable(request: id)) }
        }
        waiting = [:]
        tasks.append(Task { [weak self] in
            while let self, await !self.retryStorage() {
                try? await Task.sleep(for: .milliseconds(Self.storageRetryMs))
            }
        })
    }

    /// Reopens the replica from the database and writes its record: when the disk takes
    /// the write, the node resumes (from the last stored block; catch-up brings the rest).
    func retryStorage() -> Bool {
        guard halted != nil else { return true }
        do {
            let reopened = try Self.replica(on: database, topology: topology, keys: keys, key: key, genesis: replica.genesis,
                                            sabotage: replica.sabotage)
            try database.saveConsensusRecord(reopened.core.record)
            replica = reopened
        } catch {
            halted?.reason = "\(error)"
            return false
        }
        let down = clock.monotonicMs - (halted?.since ?? clock.monotonicMs)
        halted = nil
        logger.notice("storage writable again: resuming", metadata: ["height": "\(replica.ledger.height)", "halted_ms": "\(down)"])
        lastAppliedAt = clock.monotonicMs
        do {
            try carryOut(replica.start(now: clock.wallMs, monotonicMs: clock.monotonicMs))
        } catch {
            failed(error)
        }
        return true
    }

    func unavailable(request: Digest? = nil) -> ErrorMessage {
        ErrorMessage(reason: .unavailable, message: "\(name)'s database failed it (\(halted?.reason ?? "?")): it orders and allows nothing until it can write again; ask another node", request: request)
    }

    /// A check a halted node answers: denied, and why.
    var unavailableAnswer: CheckAnswer {
        let now = readings
        return CheckAnswer(allowed: false, reason: .unavailable, height: replica.ledger.height, wallClockMs: now.wallClockMs,
                           lastBlockTimeMs: replica.ledger.lastBlockTimeMs, sinceLastBlockMs: now.sinceLastBlockMs,
                           sinceQuorumMs: now.sinceQuorumMs, clockOffsetMs: now.clockOffsetMs)
    }
}
