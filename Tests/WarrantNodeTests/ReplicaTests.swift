import Foundation
import Testing
import WarrantConsensus
import WarrantCrypto
import WarrantNode
import WarrantStorage
import WarrantTestSupport
import WarrantWire

/// Real replicas (Ed25519, SQLite) on the in-process network: they agree, refuse forged
/// input at the edge without changing anything, and catch up over the catch-up messages
/// with every certificate checked.
@Suite struct ReplicaTests {
    let dir: String
    var workload = LedgerWorkload(seed: 3)

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("warrant-replica-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    /// Runs `cluster` with a request every 50 ms until every live replica reaches `height`.
    mutating func run(_ cluster: inout ReplicaCluster, to height: UInt64, live: [Int] = [0, 1, 2, 3]) throws {
        try cluster.run(to: height, with: &workload, live: live)
    }

    @Test mutating func replicasAgreeAndStoreEveryBlockWithItsCertificate() throws {
        var cluster = try ReplicaCluster(directory: dir, count: 4, genesis: workload.genesis, seed: 1)
        try cluster.start()
        try run(&cluster, to: 12)
        let log = cluster.takeLog()
        #expect(!log.contains { $0.hasPrefix("refused") })
        #expect(log.contains { $0.hasPrefix("ack") && $0.hasSuffix(" ok") })
        let chains = try cluster.replicas.map { try #require($0).store.committedBlocks(from: 1, maxCount: 12) }
        #expect(chains.allSatisfy { $0.count == 12 })
        #expect(Set(chains.map { $0.map(\.certificate.block) }).count == 1)
        for entry in chains[0] {
            #expect(cluster.validators.problem(with: entry.certificate, for: entry.block, signatures: .ed25519) == nil)
        }
    }

    /// With no requests at all, the proposer of each height proposes an empty block at
    /// the heartbeat, in round 0 (a real cluster once went to round 1 every height: the
    /// heartbeat timer was never armed when the wait began before the last block applied).
    @Test func anIdleClusterCommitsOneEmptyBlockPerHeartbeatInRoundZero() throws {
        var cluster = try ReplicaCluster(directory: dir, count: 4, genesis: workload.genesis, seed: 6)
        try cluster.start()
        try cluster.run(until: cluster.now + 10_500)
        let chain = try #require(cluster.replicas[0]).store.committedBlocks(from: 1, maxCount: 100)
        #expect(chain.count >= 9 && chain.count <= 12, "\(chain.count) blocks in 10.5 s at one heartbeat per second")
        #expect(chain.allSatisfy { $0.certificate.round == 0 }, "rounds: \(chain.map(\.certificate.round))")
        #expect(chain.allSatisfy { $0.block.requests.isEmpty })
    }

    @Test mutating func forgedVotesAreRefusedAndChangeNothing() throws {
        var cluster = try ReplicaCluster(directory: dir, count: 4, genesis: workload.genesis, seed: 2)
        try cluster.start()
        let before = try #require(cluster.replicas[0]).core
        // A prevote claiming to be n1's, signed by n2.
        let honest = Envelope.seal(Prevote(height: 1, round: 0, block: nil), by: cluster.keys[2])
        let forged = Envelope(kind: .prevote, sender: cluster.keys[1].publicKey, body: honest.body, signature: honest.signature)
        try cluster.inject(forged.encoded, to: 0)
        try cluster.inject([0xa1, 0x00], to: 0)
        let refusals = cluster.takeLog().filter { $0.hasPrefix("refused n0") }
        #expect(refusals.count == 2)
        #expect(refusals[0].contains("bad_signature"))
        #expect(try #require(cluster.replicas[0]).core.votes == before.votes)
    }

    @Test mutating func aReplicaWithAnEmptyDatabaseCatchesUpOverTheWire() throws {
        var cluster = try ReplicaCluster(directory: dir, count: 4, genesis: workload.genesis, seed: 3)
        try cluster.start()
        try run(&cluster, to: 8)
        cluster.stop(3)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: "\(dir)/n3.sqlite\(suffix)") }
        try run(&cluster, to: 50, live: [0, 1, 2])
        try cluster.reopen(3, directory: dir)
        #expect(cluster.heights[3] == 0)
        _ = cluster.takeLog()
        try run(&cluster, to: 55)
        let log = cluster.takeLog()
        #expect(!log.contains { $0.hasPrefix("refused") })
        // n3 stored every height from 1, in order, and agrees with n0.
        let heights = log.filter { $0.hasPrefix("commit n3 ") }.compactMap { UInt64($0.split(separator: " ")[2]) }
        #expect(heights.first == 1 && heights == Array(1...UInt64(heights.count)))
        let mine = try #require(cluster.replicas[3]).store.committedBlocks(from: 1, maxCount: 50).map(\.certificate.block)
        let theirs = try #require(cluster.replicas[0]).store.committedBlocks(from: 1, maxCount: 50).map(\.certificate.block)
        #expect(mine.count == 50 && mine == theirs)
    }

    @Test mutating func forgedCatchUpAnswersAreRefused() throws {
        var source = try ReplicaCluster(directory: dir, count: 4, genesis: workload.genesis, seed: 4)
        try source.start()
        try run(&source, to: 3)
        let real = try #require(source.replicas[0]).store.committedBlocks(from: 1, maxCount: 3)
        let freshDir = dir + "/fresh"
        try FileManager.default.createDirectory(atPath: freshDir, withIntermediateDirectories: true)
        var fresh = try ReplicaCluster(directory: freshDir, count: 4, genesis: workload.genesis, seed: 5)
        let sender = source.keys[1]
        func answer(_ entries: [CommittedBlock]) -> [UInt8] { Envelope.seal(CommittedBlocks(entries: entries), by: sender).encoded }

        var tampered = real[0]
        tampered.block.timeMs += 1
        var thin = real[0]
        thin.certificate.signatures = Array(thin.certificate.signatures.prefix(1))
        var resigned = tampered
        resigned.certificate.block = tampered.block.hash
        try fresh.inject(answer([tampered]), to: 0)
        try fresh.inject(answer([thin]), to: 0)
        try fresh.inject(answer([resigned]), to: 0)
        let refusals = fresh.takeLog().filter { $0.hasPrefix("refused n0") }
        #expect(refusals.count == 3)
        #expect(refusals[0].contains("wrong_block") && refusals[1].contains("too_few_signatures") && refusals[2].contains("bad_signature"))
        #expect(fresh.heights[0] == 0)
        // The genuine answer is applied, block by block.
        try fresh.inject(answer(real), to: 0)
        #expect(fresh.heights[0] == 3)
        #expect(try #require(fresh.replicas[0]).ledger.stateHash == (try #require(source.replicas[0]).store.stateHash(at: 3)))
    }
}
