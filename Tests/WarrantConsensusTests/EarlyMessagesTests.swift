import Testing
import WarrantConsensus
import WarrantCrypto
import WarrantWire

/// A validator a little behind keeps the next height's proposal and votes and acts on them
/// as soon as it has applied the current block — not 500 ms later, when the rebroadcast
/// would bring them again (measured on four nodes under load: one block in twenty).
@Suite struct EarlyMessagesTests {
    @Test func theNextHeightsProposalAndVotesCountOnceTheBlockIsApplied() {
        var cluster = TestCluster(size: 4)
        for node in cluster.nodes.indices { cluster.start(node) }
        let bytes = Array("request".utf8)
        cluster.run(1, cluster.nodes[1].core.onRequest(id: Blake2b.hash(bytes), bytes: bytes, now: cluster.now), context: "request")
        // Height 1 everywhere but n0, whose precommits for height 1 are held back.
        let toN0 = { (m: TestCluster.Message) in m.to == 0 }
        cluster.deliverAll { !toN0($0) }
        #expect((1...3).allSatisfy { cluster.nodes[$0].decided[1] != nil } && cluster.nodes[0].decided[1] == nil)
        // Height 2's proposal comes from the others (heartbeat); n0 still lacks height 1.
        cluster.tick(1_100)
        cluster.deliverAll { !toN0($0) }
        let early = cluster.network.filter { toN0($0) && Self.height(of: $0.payload) == 2 }
        #expect(early.contains { if case .proposal = $0.payload { true } else { false } })
        for message in early {
            cluster.network.removeAll { $0 == message }
            cluster.deliver(message)
        }
        #expect(cluster.nodes[0].core.height == 1)
        _ = cluster.takeLog()
        // Now height 1's messages: n0 decides it and, in the same step, prevotes height 2's
        // proposal it kept — nothing else is delivered and no timer fires.
        cluster.deliverAll { toN0($0) && Self.height(of: $0.payload) == 1 }
        let log = cluster.takeLog()
        #expect(log.contains { $0.hasPrefix("n0 decides h1") })
        #expect(log.contains { $0.hasPrefix("n0 prevotes h2") && !$0.hasSuffix("nil") }, "\(log)")
    }

    static func height(of payload: TestCluster.Payload) -> UInt64? {
        switch payload {
        case .proposal(let p): p.height
        case .vote(let v): v.height
        case .committed(let block, _): block.height
        default: nil
        }
    }
}
