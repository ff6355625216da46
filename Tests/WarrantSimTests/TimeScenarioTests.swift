import Testing
import WarrantSim
import WarrantTestSupport

/// Proposer-based timestamps in the simulator: skew inside the precision bound costs
/// nothing, a proposer whose clock is beyond it has its fresh proposals refused while the
/// others go on, and with n = 7 one node ahead and one behind cannot stop the cluster.
@Suite struct TimeScenarioTests {
    /// Skew lasts this long (ms after the start); then every clock is fixed.
    static let skewEnd: UInt64 = 30_000

    func blocksDuringSkew(_ result: SimulationResult) -> [DecidedBlock] {
        result.chain.filter { $0.block.timeMs < Simulator.startTimeMs + Self.skewEnd }
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func skewWithinTheBoundNeverCostsARound(seed: UInt64) async {
        // Pairwise at most 500 ms apart: precision (maxClockSkew) is 500 ms.
        let skews: [Int64] = [250, -250, 100, -200]
        let script = skews.enumerated().map { ScriptedFault(atMs: 0, .skew(node: $0.offset, ms: $0.element)) }
            + [ScriptedFault(atMs: Self.skewEnd, .heal)]
        let result = await simulate(seed, SimulationOptions(nodes: 4, heights: 25, script: script))
        #expect(result.violations.isEmpty, "\(result.violations.prefix(3))")
        let during = blocksDuringSkew(result)
        #expect(during.count >= 20)
        #expect(during.allSatisfy { $0.certificate.round == 0 }, "rounds: \(during.map(\.certificate.round))")
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func aProposerAheadBeyondTheBoundIsRefusedWhileOthersCommit(seed: UInt64) async {
        let script = [ScriptedFault(atMs: 0, .skew(node: 1, ms: 2_000)), ScriptedFault(atMs: Self.skewEnd, .heal)]
        let result = await simulate(seed, SimulationOptions(nodes: 4, heights: 30, script: script))
        #expect(result.violations.isEmpty, "\(result.violations.prefix(3))")
        let during = blocksDuringSkew(result)
        #expect(during.count >= 15)
        // None of its fresh blocks committed; the heights where it led round 0 went to round 1.
        #expect(!during.contains { $0.block.proposer == result.validatorKeys[1] })
        #expect(during.contains { $0.certificate.round > 0 })
        // After the clocks are fixed it proposes again.
        #expect(result.chain.contains { $0.block.proposer == result.validatorKeys[1] })
    }

    @Test(arguments: [UInt64(1), 2])
    func sevenNodesWithOneAheadAndOneBehindStayLiveAndSafe(seed: UInt64) async {
        let script = [ScriptedFault(atMs: 0, .skew(node: 1, ms: 3_000)), ScriptedFault(atMs: 0, .skew(node: 4, ms: -3_000)),
                      ScriptedFault(atMs: Self.skewEnd, .heal)]
        let result = await simulate(seed, SimulationOptions(nodes: 7, heights: 30, script: script))
        #expect(result.violations.isEmpty, "\(result.violations.prefix(3))")
        #expect(result.minHonestHeight >= 30)
        #expect(blocksDuringSkew(result).count >= 15)
        #expect(!blocksDuringSkew(result).contains { $0.block.proposer == result.validatorKeys[1] })
    }
}
