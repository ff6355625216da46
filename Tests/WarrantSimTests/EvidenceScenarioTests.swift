import Testing
import WarrantCheck
import WarrantFaults
import WarrantSim
import WarrantTestSupport
import WarrantWire

/// Equivocation in the simulator ends committed: honest nodes keep and gossip the
/// conflicting votes, a later block carries them, and every honest ledger records the
/// offense (the `evidence` checker fails the run otherwise).
@Suite struct EvidenceScenarioTests {
    @Test(arguments: [FaultSelection(behaviours: [.equivocate]), FaultSelection(behaviours: [.twins]),
                      FaultSelection(faults: [.partition, .drop], behaviours: [.equivocate, .twins])])
    func equivocationRunsEndWithTheEvidenceCommitted(selection: FaultSelection) async {
        let byzantineKey = await simulate(1, SimulationOptions(nodes: 4, heights: 1)).validatorKeys[3]
        var committedRuns = 0
        for seed in UInt64(1)...4 {
            let result = await simulate(seed, SimulationOptions(nodes: 4, byzantine: 1, faults: selection.faults, behaviours: selection.behaviours, heights: 25))
            #expect(result.violations.isEmpty, "seed \(seed): \(result.violations.prefix(3))")
            let held = result.history.filter { $0.kind == .evidence }
            let committed = result.chain.flatMap(\.block.evidence).compactMap { try? $0.offense() }
            #expect(committed.allSatisfy { $0.validator == byzantineKey }, "only the Byzantine validator is ever accused")
            if !held.isEmpty && !committed.isEmpty { committedRuns += 1 }
        }
        #expect(committedRuns >= 3, "equivocation was held and committed in only \(committedRuns) of 4 runs")
    }
}
