import Testing
import WarrantConsensus
import WarrantCrypto
import WarrantWire

/// A validator that lost its database signs nothing at or below its signing guard
/// (`ConsensusCore.abstainThrough`), yet follows and decides with the others, and votes
/// again above it.
@Suite struct AbstainTests {
    @Test func abstainingValidatorSignsNothingThroughItsGuardAndVotesAfter() {
        var cluster = TestCluster(size: 4)
        // n1 is the proposer of height 3 round 0 and n2 of height 2 (proposer(h, r) = n[(h + r) mod n]).
        cluster.nodes[2].core.abstainThrough = 2
        for node in cluster.nodes.indices { cluster.start(node) }
        let decided = cluster.runUntil(height: 3, maxSteps: 2_000)
        #expect(decided)
        let log = cluster.takeLog()
        let signedByN2 = log.filter { $0.hasPrefix("n2 prevotes") || $0.hasPrefix("n2 precommits") || $0.hasPrefix("n2 proposes") }
        #expect(!signedByN2.contains { $0.contains(" h1 ") || $0.contains(" h2 ") }, "n2 signed at a height it abstains at: \(signedByN2)")
        #expect(signedByN2.contains { $0.hasPrefix("n2 prevotes h3") }, "n2 did not vote again above its guard: \(log)")
        // It decided the heights it abstained at, with the others' precommits.
        #expect(cluster.nodes[2].decided[1] == cluster.nodes[0].decided[1] && cluster.nodes[2].decided[2] == cluster.nodes[0].decided[2])
        // The height it would have proposed passed to the next round's proposer.
        #expect(log.contains { $0.hasPrefix("n3 proposes h2 r1") }, "\(log)")
    }
}
