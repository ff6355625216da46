import ArgumentParser
import Foundation
import WarrantCoordinator

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Launch a topology, run its agents and fault schedule, record the history and judge it.",
        discussion: "Writes OUT/history.jsonl (docs/HISTORY.md), OUT/summary.json and OUT/cluster.json; node logs and databases stay under OUT/nodes/NAME/, agent logs and histories under OUT/agents/NAME/. Exits 0 only when every check passes.")
    @Argument(help: "The topology file.") var topology: String
    @Option(help: "Output directory (default: runs/NAME-TIME).") var out: String?
    @Option(help: "Seed for the agents' choices and any nemesis schedule (default: the topology's seeds).") var seed: UInt64?
    @Option(help: "Log level of the nodes.") var logLevel: String = "info"
    @Flag(help: "Linux, root: every node and agent in a network namespace of its own; link faults become nftables rules (docs/CHAOS.md).")
    var netns = false

    func run() async throws {
        try exitWith(try await RunOrchestration.run(file: topology, out: out, logLevel: logLevel, seed: seed, netns: netns, say: say).passed ? 0 : 1)
    }
}

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up", abstract: "Start a topology's nodes as child processes and show a live status line until Ctrl-C.",
        discussion: "Writes DIR/cluster.json (where every node listens), DIR/keys (a key pair for every node, principal, agent and the coordinator) and DIR/nodes/NAME/ (database and log). No child outlives the coordinator, even when it is killed with SIGKILL.")
    @Argument(help: "The topology file.") var topology: String
    @Option(help: "The cluster directory.") var dir: String = "cluster"
    @Option(help: "Log level of the nodes.") var logLevel: String = "info"
    @Flag(help: "Start over: delete the databases, keys and logs a previous `up` left in the directory (by default it resumes them).")
    var fresh = false
    @Flag(help: "Print a status line every 2 s even when standard output is not a terminal in the foreground.")
    var progress = false
    @Flag(help: "Linux, root: every node and agent in a network namespace of its own; link faults become nftables rules (docs/CHAOS.md).")
    var netns = false

    func run() async throws {
        try await ClusterUp.run(topology: topology, dir: dir, logLevel: logLevel, fresh: fresh, progress: progress, netns: netns, say: say)
    }
}

struct NetnsCleanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netns-clean", abstract: "Remove the network namespaces (links, rules) that killed --netns coordinators left.",
        discussion: "A --netns run removes its own when it ends, and its reaper does when it is killed; a new --netns start sweeps the rest.")
    @Option(help: "Only this coordinator's namespaces (wrnt-PID-*), even if it still runs.") var owner: Int32?
    @Flag(help: .hidden) var afterEof = false

    func run() throws {
        let removed = afterEof ? Reaper.reap(owner: owner ?? 0) : owner.map { Netns.remove(owner: $0) } ?? Netns.sweep()
        print(removed.isEmpty ? "no namespace to remove" : "removed \(removed.joined(separator: " "))")
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Draw a recorded run's picture again: RUN_DIR/report.html (one file, no scripts; docs/CHAOS.md says how to read it).")
    @Argument(help: "The run's directory (as given to `run --out`).") var runDirectory: String

    func run() throws { print(try RunRecord.redraw(runDirectory)) }
}
