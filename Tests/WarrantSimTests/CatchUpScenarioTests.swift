import Testing
import WarrantCheck
import WarrantFaults
import WarrantSim
import WarrantTestSupport

/// Catch-up in the simulator: a node that missed a hundred heights, or lost its whole data
/// directory, fetches the decided blocks with their certificates, checks each at the edge
/// and ends on the same chain; forged blocks and certificates from a Byzantine peer are
/// refused.
@Suite struct CatchUpScenarioTests {
    static let start = Simulator.startTimeMs

    @Test func aNodeCutOffForAHundredHeightsCatchesUpAfterHealing() async {
        let script = [ScriptedFault(atMs: 1_000, .partition([3])), ScriptedFault(atMs: 120_000, .heal)]
        let result = await simulate(7, SimulationOptions(nodes: 4, heights: 170, script: script))
        #expect(result.violations.isEmpty, "\(result.violations.prefix(3))")
        let missed = result.chain.filter { $0.block.timeMs > Self.start + 1_000 && $0.block.timeMs < Self.start + 120_000 }
        #expect(missed.count >= 100, "the others decided only \(missed.count) heights while n3 was cut off")
        #expect(result.minHonestHeight >= 170)
        // n3 committed every one of the heights it missed, in order, after the heal.
        let caughtUp = result.history.filter { $0.kind == .commit && $0.node == "n3" && $0.time >= 120_000 }.compactMap(\.height)
        #expect(caughtUp.count >= 100)
        #expect(caughtUp == caughtUp.sorted())
    }

    @Test func aNodeRestartedFromAnEmptyDataDirectoryCatchesUpFromHeightOne() async {
        let script = [ScriptedFault(atMs: 20_000, .crash(node: 2)),
                      ScriptedFault(atMs: 25_000, .restart(node: 2, emptyDataDirectory: true))]
        let result = await simulate(11, SimulationOptions(nodes: 4, heights: 60, script: script))
        #expect(result.violations.isEmpty, "\(result.violations.prefix(3))")
        #expect(result.minHonestHeight >= 60)
        let replayed = result.history.filter { $0.kind == .commit && $0.node == "n2" && $0.time >= 25_000 }.compactMap(\.height)
        #expect(replayed.first == 1)
        #expect(replayed == Array(1...UInt64(replayed.count)))
    }

    /// Whether the partitioned node asks the Byzantine peer for blocks at all depends on
    /// the seed (it may catch up from honest peers alone), so seeds are tried in turn
    /// until one shows a forgery refused; every run must keep every rule.
    @Test func forgedBlocksAndCertificatesFromAByzantinePeerAreRefused() async {
        let script = [ScriptedFault(atMs: 1_000, .partition([2])), ScriptedFault(atMs: 30_000, .heal)]
        let options = SimulationOptions(nodes: 4, byzantine: 1, behaviours: [.forge], heights: 80, script: script)
        var refusedIn: UInt64?
        for seed in UInt64(1)...40 where refusedIn == nil {
            let result = await simulate(seed, options)
            #expect(result.violations.isEmpty, "seed \(seed): \(result.violations.prefix(3))")
            #expect(result.minHonestHeight >= 80, "seed \(seed)")
            if result.forgeriesRefused > 0 { refusedIn = seed }
        }
        #expect(refusedIn != nil, "no seed in 1...40 had the Byzantine peer serve a forgery that was refused")
    }
}
