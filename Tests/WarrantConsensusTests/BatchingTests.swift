import Testing
import WarrantConsensus
import WarrantCrypto
import WarrantWire

/// `batchDelayMs`: a round-0 proposer with requests waits until the oldest has waited the
/// delay, or proposes at once when the block is full; with 0 it proposes at the first.
@Suite struct BatchingTests {
    static let t0: UInt64 = 1_764_000_000_000

    /// The proposer of height 1, round 0, started at t0 + 1000 (its heartbeat is then due).
    func proposer(batchDelayMs: UInt64, maxBlockRequests: Int = 1_000) -> ConsensusCore {
        let keys = (0..<4).map { try! SigningKey(seed: [UInt8](repeating: 0x30 + UInt8($0), count: 32)).publicKey }
        let set = ValidatorSet(keys)
        var parameters = ConsensusParameters()
        parameters.batchDelayMs = batchDelayMs
        parameters.maxBlockRequests = maxBlockRequests
        parameters.heartbeatIntervalMs = 60_000
        var core = ConsensusCore(validators: set, me: set.proposer(height: 1, round: 0), parameters: parameters,
                                 genesisTimeMs: Self.t0, genesisStateHash: Blake2b.hash(Array("genesis".utf8)))
        _ = core.onStart(now: Self.t0 + 1_000)
        return core
    }

    func request(_ core: inout ConsensusCore, _ label: String, at now: UInt64) -> [Directive] {
        let bytes = Array(label.utf8)
        return core.onRequest(id: Blake2b.hash(bytes), bytes: bytes, now: now).directives
    }

    func proposals(_ directives: [Directive]) -> [Proposal] {
        directives.compactMap { if case .broadcastProposal(let p) = $0 { p } else { nil } }
    }

    @Test func aProposerWaitsForTheOldestRequestToAgeThenProposesTheBatch() {
        var core = proposer(batchDelayMs: 20)
        let first = request(&core, "a", at: Self.t0 + 2_000)
        #expect(proposals(first).isEmpty)
        #expect(first.contains { if case .scheduleTimeout(.heartbeat, 1, 0, 20) = $0 { true } else { false } })
        let second = request(&core, "b", at: Self.t0 + 2_005)
        #expect(proposals(second).isEmpty)
        #expect(!second.contains { if case .scheduleTimeout(.heartbeat, _, _, _) = $0 { true } else { false } }, "one batch timer per round")
        let fired = core.onTimeout(.heartbeat, height: 1, round: 0, now: Self.t0 + 2_020).directives
        #expect(proposals(fired).map(\.block.requests.count) == [2])
    }

    @Test func aFullBlockIsProposedAtOnce() {
        var core = proposer(batchDelayMs: 1_000, maxBlockRequests: 3)
        #expect(proposals(request(&core, "a", at: Self.t0 + 2_000)).isEmpty)
        #expect(proposals(request(&core, "b", at: Self.t0 + 2_001)).isEmpty)
        #expect(proposals(request(&core, "c", at: Self.t0 + 2_002)).map(\.block.requests.count) == [3])
    }

    @Test func withoutADelayTheFirstRequestIsProposedAtOnce() {
        var core = proposer(batchDelayMs: 0)
        #expect(proposals(request(&core, "a", at: Self.t0 + 2_000)).map(\.block.requests.count) == [1])
    }
}
