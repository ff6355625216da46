import Foundation
import WarrantTopology
import WarrantTransport

/// `warrant-coordinator up`: a topology's nodes and agents as child processes of this one,
/// a cluster file the hand commands read, and a live status line until the process ends.
public enum ClusterUp {
    /// Starts the cluster into `dir` (resuming the databases and keys a previous `up` left
    /// there, unless `fresh`) and never returns: Ctrl-C or SIGTERM ends the process, and
    /// every child follows through its watchdog pipe. `progress` prints the status line
    /// even when standard output is not a terminal in the foreground.
    /// With `netns`, every node and agent gets a network namespace of its own (see
    /// `RunOrchestration.run`); the hand commands then run in the bridge's namespace.
    public static func run(topology: String, dir: String, logLevel: String, fresh: Bool, progress: Bool, netns: Bool = false,
                           say: @escaping @Sendable (String) -> Void) async throws -> Never {
        let root = URL(fileURLWithPath: dir).standardizedFileURL.path
        var topology = topology
        var layout: NetnsLayout?
        if netns {
            (topology, layout) = try NetnsLaunch.prepare(topology: try Topology.load(topology), dir: root, say: say)
        }
        let children = ChildProcesses(netns: layout)
        let launched: Launched
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
            throw error
        }
        for warning in launched.topology.warnings { say("warning: \(warning)") }
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
            say("  \(node.name)  pid \(node.pid)  client \(node.client)  commits \(node.commits)  control \(node.control)\(node.metrics.map { "  metrics \($0)" } ?? "")")
        }
        for agent in file.agents { say("  agent \(agent.name)  pid \(agent.pid)  history \(root)/agents/\(agent.name)/history.jsonl") }
        say("ready: try warrant-coordinator status --dir \(dir)")
        var previous: (height: UInt64, at: Date)?
        while true {
            try? await Task.sleep(for: .seconds(2))
            // The live line only where someone watches it: a terminal this process has in
            // the foreground (not `up … &`, not a pipe), unless `progress` asks for it.
            guard progress || (isatty(STDOUT_FILENO) == 1 && tcgetpgrp(STDOUT_FILENO) == getpgrp()) else { continue }
            let statuses = await launched.running.statuses(timeout: .seconds(2))
            let live = statuses.compactMap(\.status)
            let height = live.map(\.height).max() ?? 0
            let leader = live.max { $0.height < $1.height }.flatMap { launched.running.keys.nodeName(of: $0.proposer) } ?? "-"
            let now = Date()
            let rate = previous.map { Double(height - min(height, $0.height)) / max(0.001, now.timeIntervalSince($0.at)) } ?? 0
            previous = (height, now)
            say("height \(height)  leader \(leader)  sessions \(live.map(\.sessions).max() ?? 0)  commits/s \(String(format: "%.1f", rate))  nodes up \(live.count)/\(statuses.count)")
            withExtendedLifetime((principal, owner)) {}
        }
    }
}
