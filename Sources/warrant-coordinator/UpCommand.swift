import ArgumentParser
import Foundation
import WarrantCoordinator
import WarrantTransport
import WarrantTopology

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Start a topology's nodes as child processes and show a live status line until Ctrl-C.",
        discussion: """
            Writes DIR/cluster.json (where every node listens), DIR/keys (a key pair for every \
            node, principal, agent and the coordinator) and DIR/nodes/NAME/ (database and log). \
            No child outlives the coordinator, even when it is killed with SIGKILL.
            """)

    @Argument(help: "The topology file.")
    var topology: String

    @Option(help: "The cluster directory.")
    var dir: String = "cluster"

    @Option(help: "Log level of the nodes.")
    var logLevel: String = "info"

    @Flag(help: "Start over: delete the databases, keys and logs a previous `up` left in the directory (by default it resumes them).")
    var fresh = false

    @Flag(help: "Print a status line every 2 s even when standard output is not a terminal in the foreground.")
    var progress = false

    func run() async throws {
        let children = ChildProcesses()
        let launched: Launched
        let root = URL(fileURLWithPath: dir).standardizedFileURL.path
        // A cluster.json left by an earlier `up` would send commands to nodes not yet up:
        // the new one is written once every node answers.
        try? FileManager.default.removeItem(atPath: ClusterFile.path(in: root))
        if fresh {
            for part in ["nodes", "keys", "agents"] { try? FileManager.default.removeItem(atPath: "\(root)/\(part)") }
        } else if FileManager.default.fileExists(atPath: "\(root)/nodes") {
            say("resuming the cluster in \(dir) from its databases and keys (--fresh starts over)")
        }
        do {
            launched = try await launch(topology: topology, into: dir, logLevel: logLevel, children: children)
        } catch {
            children.stopAll()
            throw CommandFailure("\(error)")  // a runtime failure: no usage text
        }
        for warning in launched.topology.warnings { say("warning: \(warning)") }
        // Ctrl-C or SIGTERM ends this process; every child follows through its watchdog pipe.
        Watchdog.dieOnSignals()
        // The topology's agents too, with the coordinator playing their principals; they
        // act until the cluster is stopped.
        let principal = try PrincipalService(topology: launched.topology, keys: launched.running.keys,
                                             address: LocalEndpoint.address(directory: root, name: "principal"))
        await principal.start()
        var file = launched.file
        file.agents = try startAgents(launched.topology, dir: root, keys: file.keys, epochMs: UInt64(Date().timeIntervalSince1970 * 1_000),
                                      seed: launched.topology.workload.seed, durationMs: 365 * 86_400_000, children: children)
        try file.write(to: root)
        let owner = try ChildOwner(directory: root, children: children, restart: launched.restart)
        say("cluster '\(launched.topology.cluster.name)' is up; cluster file \(ClusterFile.path(in: dir))")
        for node in file.nodes {
            say("  \(node.name)  pid \(node.pid)  client \(node.client)  commits \(node.commits)  control \(node.control)")
        }
        for agent in file.agents { say("  agent \(agent.name)  pid \(agent.pid)  history \(root)/agents/\(agent.name)/history.jsonl") }
        say("ready: try warrant-coordinator status --dir \(dir)")
        var previous: (height: UInt64, at: Date)?
        while true {
            // The live line only where someone watches it: a terminal this process has in
            // the foreground (not `up … &`, not a pipe), unless --progress asks for it.
            guard progress || (isatty(STDOUT_FILENO) == 1 && tcgetpgrp(STDOUT_FILENO) == getpgrp()) else {
                try? await Task.sleep(for: .seconds(2))
                continue
            }
            let statuses = await launched.running.statuses(timeout: .seconds(2))
            let live = statuses.compactMap(\.status)
            let height = live.map(\.height).max() ?? 0
            let leader = live.max { $0.height < $1.height }.flatMap { launched.running.keys.nodeName(of: $0.proposer) } ?? "-"
            let sessions = live.map(\.sessions).max() ?? 0
            let now = Date()
            let rate = previous.map { Double(height - min(height, $0.height)) / max(0.001, now.timeIntervalSince($0.at)) } ?? 0
            previous = (height, now)
            say("height \(height)  leader \(leader)  sessions \(sessions)  commits/s \(String(format: "%.1f", rate))  nodes up \(live.count)/\(statuses.count)")
            try? await Task.sleep(for: .seconds(2))
        }
        withExtendedLifetime((principal, owner)) {}
    }
}

/// Prints a line at once, unbuffered, so status lines reach a file or pipe as they happen.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

