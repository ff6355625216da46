import Testing
import WarrantConsensus
import WarrantCrypto
import WarrantTestSupport
import WarrantWire

/// Restarts at every step: random delivery orders, and after every delivered message or
/// fired timer a random node may be rebuilt from its last persisted record. No validator
/// may ever sign two different votes for one (height, round, step), and honest nodes must
/// never decide differently. (That every node keeps up needs catch-up of missed blocks,
/// which comes with the recovery issue; here height 1 must be decided somewhere.)
@Suite struct RestartSafetyTests {
    struct Signed: Hashable {
        let node: Int, height: UInt64, round: UInt64, type: VoteType
    }

    @Test(arguments: 0..<60)
    func neverSignsConflictingVotesAcrossRestarts(seed: Int) {
        var random = SplitMix64(seed: UInt64(seed) &* 0x9e37_79b9)
        var cluster = TestCluster(size: 4)
        cluster.rebroadcast = true
        var signed: [Signed: Digest?] = [:]
        var restarts = 0
        for node in cluster.nodes.indices { cluster.start(node) }
        for node in cluster.nodes.indices {
            let bytes = Array("request \(seed)-\(node)".utf8)
            cluster.run(node, cluster.nodes[node].core.onRequest(id: Blake2b.hash(bytes), bytes: bytes, now: cluster.now), context: "request")
        }
        for _ in 0..<3_000 {
            if cluster.nodes.filter({ $0.decided[3] != nil }).count >= 3 { break }
            if !cluster.network.isEmpty && random.next() % 10 != 0 {
                let index = Int(random.next() % UInt64(cluster.network.count))
                let message = cluster.network.remove(at: index)
                if random.next() % 20 != 0 { cluster.deliver(message) }  // and sometimes it is lost
            } else if let next = cluster.timers.min(by: { ($0.at, $0.node) < ($1.at, $1.node) }) {
                cluster.fire(next)
            }
            if random.next() % 25 == 0 {
                cluster.restart(Int(random.next() % 4))
                restarts += 1
            }
            // Every vote a node has signed so far, from the log of broadcast votes.
            for line in cluster.takeLog() {
                let words = line.split(separator: " ")
                guard words.count >= 5, words[1] == "prevotes" || words[1] == "precommits",
                      let node = Int(words[0].dropFirst()), let height = UInt64(words[2].dropFirst()),
                      let round = UInt64(words[3].dropFirst()) else { continue }
                let key = Signed(node: node, height: height, round: round, type: words[1] == "prevotes" ? .prevote : .precommit)
                let value: Digest? = words[4] == "nil" ? nil : Blake2b.hash(Array(words[4].utf8))
                if let earlier = signed[key] {
                    #expect(earlier == value, "seed \(seed): n\(node) signed two different \(key.type)s at h\(height) r\(round)")
                } else {
                    signed[key] = value
                }
            }
        }
        var decided: [UInt64: Set<Digest>] = [:]
        for node in cluster.nodes { for (height, digest) in node.decided { decided[height, default: []].insert(digest) } }
        #expect(decided.values.allSatisfy { $0.count == 1 }, "seed \(seed): honest nodes decided differently")
        #expect(cluster.nodes.contains { $0.decided[1] != nil }, "seed \(seed): height 1 never decided (\(restarts) restarts)")
        #expect(signed.count >= 8 && restarts > 0, "seed \(seed): the run did too little to mean anything")
    }

    /// The durable form loses nothing: every record persisted in restart runs (with
    /// locks, valid values and their polkas, own proposals, certificates) decodes back to
    /// exactly the record that was written; damaged bytes are refused with a field path.
    @Test func recordsSurviveTheirDurableFormExactly() throws {
        var random = SplitMix64(seed: 99)
        var cluster = TestCluster(size: 4)
        cluster.rebroadcast = true
        for node in cluster.nodes.indices { cluster.start(node) }
        var seen = Set<[UInt8]>()
        var sawLock = false, sawPolka = false, sawCertificate = false
        for step in 0..<2_000 {
            if !cluster.network.isEmpty && random.next() % 8 != 0 {
                cluster.deliver(cluster.network.remove(at: Int(random.next() % UInt64(cluster.network.count))))
            } else if let next = cluster.timers.min(by: { ($0.at, $0.node) < ($1.at, $1.node) }) {
                cluster.fire(next)
            }
            if step % 50 == 0 {
                let bytes = Array("work \(step)".utf8)
                cluster.run(step % 4, cluster.nodes[step % 4].core.onRequest(id: Blake2b.hash(bytes), bytes: bytes, now: cluster.now),
                            context: "request")
            }
            for node in cluster.nodes {
                guard let bytes = node.persisted, seen.insert(bytes).inserted else { continue }
                let record = try ConsensusRecord(stored: bytes)
                #expect(record.cborBytes == bytes)
                sawLock = sawLock || record.lockedValue != nil
                sawPolka = sawPolka || !record.validPolka.isEmpty
                sawCertificate = sawCertificate || record.lastCertificate != nil
            }
        }
        #expect(sawLock && sawPolka && sawCertificate && seen.count > 50)
        let sample = try #require(seen.first { $0.count > 200 })
        #expect(throws: WireError.self) { try ConsensusRecord(stored: Array(sample.dropLast())) }
    }
}
