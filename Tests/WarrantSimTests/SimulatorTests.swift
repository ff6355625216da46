import WarrantFaults
import Testing
import WarrantCheck
import WarrantCrypto
import WarrantLedger
import WarrantSim
import WarrantTestSupport
import WarrantWire

/// The simulator is deterministic, honest clusters break no rule under every fault, and
/// every planted bug is caught as a violation of the rule it breaks. (CI runs many more
/// seeds through the release build in scripts/test.sh.)
@Suite struct SimulatorTests {
    @Test func theSameSeedGivesTheSameRun() async {
        let options = SimulationOptions(nodes: 4, byzantine: 1, faults: Set(SimFault.allCases), behaviours: Set(ByzantineBehaviour.allCases), heights: 12)
        let a = await simulate(42, options), b = await simulate(42, options)
        #expect(a.history == b.history)
        #expect(a.history.count > 100)
        #expect(await simulate(43, options).history != a.history)
    }

    @Test func honestClustersBreakNoRuleUnderAllFaults() async {
        let options = SimulationOptions(nodes: 4, byzantine: 1, faults: Set(SimFault.allCases), behaviours: Set(ByzantineBehaviour.allCases), heights: 12)
        for seed in UInt64(1)...8 {
            let result = await simulate(seed, options)
            #expect(result.violations.isEmpty, "seed \(seed): \(result.violations.prefix(3))")
            #expect(result.minHonestHeight >= 12)
        }
    }

    @Test(arguments: [
        Sabotage.skipLock, .quorumOffByOne, .ignoreExpiry, .acceptBadSignature,
    ])
    func everyPlantedBugIsCaughtAsTheRuleItBreaks(_ sabotage: Sabotage) async {
        let rule = Violation.Rule(rawValue: sabotage.breaks)!
        let options = SimulationOptions(nodes: 4, byzantine: 1, faults: Set(SimFault.allCases), behaviours: Set(ByzantineBehaviour.allCases),
                                        heights: 12, sabotage: sabotage)
        let caught = await offThePool {
            (UInt64(1)...40).first { seed in Simulator.run(seed: seed, options: options).violations.contains { $0.rule == rule } }
        }
        #expect(caught != nil, "\(sabotage.rawValue) was never caught as \(rule.rawValue) in 40 seeds")
    }

    @Test func faultListsParse() throws {
        #expect(try FaultSelection.parse("all") == FaultSelection(faults: Set(SimFault.allCases), behaviours: Set(ByzantineBehaviour.allCases)))
        #expect(try FaultSelection.parse("drop,twins") == FaultSelection(faults: [.drop], behaviours: [.twins]))
        #expect(try FaultSelection.parse("none") == FaultSelection())
        #expect(throws: MisbehaviourError.self) { try FaultSelection.parse("drop,nonsense") }
        #expect(try FaultSelection.parse(FaultSelection.all.names) == .all)
    }
}
