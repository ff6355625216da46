import ArgumentParser
import Foundation
import WarrantCheck
import WarrantCoordinator
import WarrantCrypto
import WarrantStorage
import WarrantTopology
import WarrantTransport
import WarrantWire

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Launch a topology, run its agents and fault schedule, record the history and judge it.",
        discussion: """
            Writes OUT/history.jsonl (docs/HISTORY.md), OUT/summary.json and OUT/cluster.json; \
            node logs and databases stay under OUT/nodes/NAME/, agent logs and histories under \
            OUT/agents/NAME/. Exits 0 only when every check passes.
            """)

    @Argument(help: "The topology file.")
    var topology: String

    @Option(help: "Output directory (default: runs/NAME-TIME).")
    var out: String?

    @Option(help: "Seed for the agents' choices and any nemesis schedule (default: the topology's seeds).")
    var seed: UInt64?

    @Option(help: "Log level of the nodes.")
    var logLevel: String = "info"

    func run() async throws {
        let loaded: Topology
        do {
            loaded = try Topology.load(topology, seed: seed)
        } catch {
            throw CommandFailure("\(error)")
        }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let dir = URL(fileURLWithPath: out ?? "runs/\(loaded.cluster.name)-\(stamp)").standardizedFileURL.path
        if FileManager.default.fileExists(atPath: "\(dir)/history.jsonl") {
            throw CommandFailure("\(dir) already holds a run; choose another --out")
        }
        let children = ChildProcesses()
        Watchdog.dieOnSignals()  // the children follow through their watchdog pipes
        do {
            let verdict = try await RunOrchestration.run(loaded, dir: dir, logLevel: logLevel, seed: seed, children: children, say: say)
            if !verdict.passed { throw ExitCode(1) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            // A runtime failure (a port in use, a node that died at start): said plainly,
            // without the usage text a mistyped option gets.
            children.stopAll()
            throw CommandFailure("\(error)")
        }
    }
}
