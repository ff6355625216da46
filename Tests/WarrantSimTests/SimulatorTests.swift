import Testing
import WarrantCheck
import WarrantCrypto
import WarrantFaults
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
        #expect(try FaultSelection.parse("all") == FaultSelection(faults: Set(SimFault.allCases).subtracting([.lostDatabase]), behaviours: Set(ByzantineBehaviour.allCases)))
        #expect(try FaultSelection.parse("all,lost-database") == FaultSelection(faults: Set(SimFault.allCases), behaviours: Set(ByzantineBehaviour.allCases)))
        #expect(try FaultSelection.parse("drop,twins") == FaultSelection(faults: [.drop], behaviours: [.twins]))
        #expect(try FaultSelection.parse("none") == FaultSelection())
        #expect(throws: MisbehaviourError.self) { try FaultSelection.parse("drop,nonsense") }
        #expect(try FaultSelection.parse(FaultSelection.all.names) == .all)
    }
}

/// `simulate`'s argument checks and its many-seed campaign, as library calls.
@Suite struct SimulationCampaignTests {
    @Test func optionsThatMakeNoSenseAreRefusedNamingTheOption() {
        #expect(throws: SimulationOptionsError.self) { try SimulationOptions.parse(nodes: 3, byzantine: 0, faults: "none", heights: 5, sabotage: nil) }
        #expect(throws: SimulationOptionsError.self) { try SimulationOptions.parse(nodes: 4, byzantine: 2, faults: "none", heights: 5, sabotage: nil) }
        #expect(throws: SimulationOptionsError.self) { try SimulationOptions.parse(nodes: 4, byzantine: 1, faults: "drop,forged-proposal", heights: 5, sabotage: nil) }
        #expect(throws: SimulationOptionsError.self) { try SimulationOptions.parse(nodes: 4, byzantine: 1, faults: "all", heights: 5, sabotage: "oops") }
        #expect((try? SimulationOptions.parse(nodes: 7, byzantine: 2, faults: "drop,forge", heights: 5, sabotage: "skip-lock"))
                == SimulationOptions(nodes: 7, byzantine: 2, faults: [.drop], behaviours: [.forge], heights: 5, sabotage: .skipLock))
    }

    @Test func aCampaignReportsItsSeedsAndShrinksAFailure() async throws {
        let clean = SimulationCampaign(options: SimulationOptions(nodes: 4, byzantine: 1, faults: [.drop], heights: 4), firstSeed: 1, seeds: 3, jobs: 2)
        let outcome = await clean.run { _, _ in }
        #expect(outcome.failures.isEmpty && outcome.seedsPerCoreHour > 0)
        #expect(clean.report(outcome, shrinkLimit: 1).first == "simulate: 3 seeds, 0 violations")
        let sabotaged = SimulationCampaign(options: SimulationOptions(nodes: 4, byzantine: 0, heights: 6, sabotage: .ignoreExpiry),
                                           firstSeed: 1, seeds: 2, jobs: 2)
        let failing = await sabotaged.run { _, _ in }
        try #require(!failing.failures.isEmpty, "ignore-expiry broke no rule in 2 seeds")
        let report = sabotaged.report(failing, shrinkLimit: 1)
        #expect(report.contains { $0.hasPrefix("  shortest failing run: warrant-coordinator simulate --seed ") })
    }
}
