import ArgumentParser
import WarrantCoordinator

/// `warrant-coordinator fault KIND ARGS…`: one fault against a running cluster
/// (`HandFaults.apply`), by hand or from scripts/ (partition.sh, heal.sh, kill.sh, …).
struct FaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fault", abstract: "Inject one fault into a running cluster (started by `up`).",
        discussion: "KIND and its arguments:\n  " + HandFaults.usage.joined(separator: "\n  "))
    @Argument(help: "partition, one-way, heal, kill, restart, pause, resume, delay, skew or byzantine.") var kind: String
    @Argument(help: "Nodes, groups or a mode, as KIND takes them.") var args: [String] = []
    @Option(help: "The cluster directory (holding cluster.json), as given to `up`.") var dir: String = "cluster"
    @Option(parsing: .unconditional, help: "delay: added latency, ms (0–60000); skew: the clock offset, ms (negative: behind), within ±86400000.") var ms: Int64?
    @Option(help: "delay: random extra latency up to this, ms (0–60000).") var jitterMs: Int64 = 0
    @Option(help: "delay: messages lost per thousand (0–1000).") var lossPerMille: Int64 = 0

    func run() async throws {
        let lines = try await HandFaults.apply(kind, args, dir: dir, ms: ms, jitterMs: jitterMs, lossPerMille: lossPerMille, notice: warn)
        for line in lines { print(line) }
    }
}
