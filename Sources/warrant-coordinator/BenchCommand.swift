import ArgumentParser
import WarrantCoordinator

/// `warrant-coordinator bench`: `LoadGenerator` against a topology's nodes.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench", abstract: "Launch a topology and measure it under an open-loop load (docs/BENCHMARKS.md).")
    @Argument(help: "The topology file.") var topology: String
    @Option(help: "Seconds of timed load.") var duration: Double = 10
    @Option(help: "Requests per second offered (open loop).") var rate: Double = 500
    @Flag(help: "Closed loop instead: each client sends its next request when answered.") var max = false
    @Option(help: "Client tasks.") var clients: Int = 16
    @Option(help: "Weights grants:acts:checks.") var mix: String = "1:4:5"
    @Option(help: "Revokes timed until every node denies.") var revokes: Int = 1_000
    @Option(help: "Checks per message: 1 sends single checks, more send check-batches of that many.") var batch: Int = 1
    @Option(help: "Sessions in an expiry storm after the revokes: all expire within one second, and every node is sampled for allows past expiry.") var storm: Int = 0
    @Option(help: "Directory for the cluster, bench.json and bench.txt (default: a temporary one).") var out: String?

    func run() async throws {
        let options = try LoadOptions(durationS: duration, rate: max ? nil : rate, clients: clients, mix: mix, revokes: revokes, storm: storm, batch: batch)
        say(try await LoadGenerator.bench(topology: topology, options: options, out: out, say: say).table)
    }
}
