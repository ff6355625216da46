import WarrantSim
import WarrantTestSupport

/// One simulated run, computed off Swift's cooperative pool (see `offThePool`).
func simulate(_ seed: UInt64, _ options: SimulationOptions) async -> SimulationResult {
    await offThePool { Simulator.run(seed: seed, options: options) }
}
