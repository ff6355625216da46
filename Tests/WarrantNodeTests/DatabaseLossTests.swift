import Foundation
import Testing
import WarrantConsensus
import WarrantCrypto
@testable import WarrantNode
import WarrantReplica
import WarrantStorage
import WarrantTestSupport
import WarrantWire

/// A validator whose database is lost keeps its signing guard: it restores from its peers
/// and signs nothing it may have signed before. A damaged file is named `corrupt`, so the
/// node moves it aside; a full or unreadable one is `io` and left alone.
@Suite struct DatabaseLossTests {
    let dir: String
    var workload = LedgerWorkload(seed: 11)

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("warrant-loss-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    @Test func theGuardIsRaisedOnlyBeforeASignatureAndSurvivesTheDatabase() throws {
        var store = MemoryStore()
        let key = try SigningKey(seed: [UInt8](repeating: 7, count: 32))
        var record = ConsensusCore(validators: ValidatorSet([key.publicKey]), me: key.publicKey, genesisTimeMs: 1, genesisStateHash: .zero).record
        record.height = 9
        try store.saveConsensusRecord(record)
        #expect(try store.signedThrough() == 0, "a record with no vote of its own raised the guard")
        record.ownVotes = [ConsensusRecord.OwnVote(type: .prevote, round: 0, block: nil)]
        try store.saveConsensusRecord(record)
        #expect(try store.signedThrough() == 9)
        store.loseDatabase()
        #expect(try store.loadConsensusRecord() == nil)
        #expect(try store.signedThrough() == 9, "losing the database lost the guard")
        store.wipe()
        #expect(try store.signedThrough() == 0)

        // The same on disk: the file beside the database, read back by a new store.
        let path = "\(dir)/node.sqlite"
        let disk = try LedgerStore(path: path)
        try disk.saveConsensusRecord(record)
        #expect(try String(contentsOfFile: "\(dir)/node.signing-guard", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == "00000000000000000009")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        #expect(try LedgerStore(path: path).signedThrough() == 9)
    }

    /// Real replicas: n2's database is lost mid-run (moved aside, its guard kept). Reopened,
    /// it abstains through its guard, catches up, and the chains agree; it signed no vote
    /// at a height its guard covers.
    @Test mutating func aReplicaRestoredFromItsPeersSignsNothingThroughItsGuard() throws {
        var cluster = try ReplicaCluster(directory: dir, count: 4, genesis: workload.genesis, seed: 4)
        try cluster.start()
        try run(&cluster, to: 8)
        cluster.stop(2)
        let guardHeight = try LedgerStore(path: "\(dir)/n2.sqlite").signedThrough()
        #expect(guardHeight >= 8)
        _ = try NodeShell.moveAside("\(dir)/n2.sqlite")
        _ = cluster.takeLog()
        try cluster.reopen(2, directory: dir)
        #expect(try #require(cluster.replicas[2]).core.abstainThrough == guardHeight)
        try run(&cluster, to: guardHeight + 4)
        let votes = cluster.takeLog().filter { $0.hasPrefix("vote n2 ") }.compactMap { UInt64($0.split(separator: " ")[2]) }
        #expect(!votes.contains { $0 <= guardHeight }, "n2 voted at \(votes.filter { $0 <= guardHeight }) after losing its database (guard \(guardHeight))")
        #expect(votes.contains { $0 > guardHeight }, "n2 never voted again")
        let chains = try cluster.replicas.map { try #require($0).store.committedBlocks(from: 1, maxCount: 200).map(\.certificate.block) }
        let shortest = chains.map(\.count).min() ?? 0
        #expect(shortest >= Int(guardHeight) + 4 && Set(chains.map { $0.prefix(shortest) }).count == 1)
    }

    /// Random bytes over a database, or a database cut short: SQLite's complaint is
    /// `corrupt` (which a node moves aside), never a crash or a silently empty ledger.
    @Test(arguments: ["garble", "truncate"])
    mutating func damagedDatabasesAreCorrupt(how: String) throws {
        var cluster = try ReplicaCluster(directory: dir, count: 4, genesis: workload.genesis, seed: 5)
        try cluster.start()
        try run(&cluster, to: 6)
        cluster.stop(1)
        let path = "\(dir)/n1.sqlite"
        try LedgerStore.checkpoint(path: path)
        let size = try #require(FileManager.default.attributesOfItem(atPath: path)[.size] as? UInt64)
        let handle = try #require(FileHandle(forUpdatingAtPath: path))
        if how == "garble" {
            try handle.write(contentsOf: Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }))
        } else {
            try handle.truncate(atOffset: size / 2)
        }
        try handle.close()
        do {
            let store = try LedgerStore(path: path)
            _ = try store.loadLedger(genesis: workload.genesis)
            Issue.record("a \(how)d database of \(size) bytes opened and loaded")
        } catch {
            #expect(error.code == .corrupt, "\(error)")
        }
        let aside = try NodeShell.moveAside(path)
        #expect(FileManager.default.fileExists(atPath: aside) && !FileManager.default.fileExists(atPath: path))
        #expect(try LedgerStore(path: path).signedThrough() >= 6, "the guard went with the database")
    }

    mutating func run(_ cluster: inout ReplicaCluster, to height: UInt64, live: [Int] = [0, 1, 2, 3]) throws {
        try cluster.run(to: height, with: &workload, live: live)
    }
}
