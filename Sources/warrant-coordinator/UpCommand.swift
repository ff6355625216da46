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

/// Starts every agent of the topology as a child process (dying with the coordinator),
/// each with its own log and history under DIR/agents/NAME/.
func startAgents(_ topology: Topology, dir: String, keys: String, epochMs: UInt64, seed: UInt64, durationMs: UInt64?,
                 children: ChildProcesses) throws -> [ClusterFile.Agent] {
    let agentBinary = "\(ChildProcesses.executableDirectory)/warrant-agent"
    guard topology.agents.isEmpty || FileManager.default.isExecutableFile(atPath: agentBinary) else {
        throw CoordinatorError(.launch, "\(agentBinary) is missing: build it first (swift build --product warrant-agent)")
    }
    var agents: [ClusterFile.Agent] = []
    for agent in topology.agents {
        let home = "\(dir)/agents/\(agent.name)"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        var arguments = ["--topology", topology.file, "--id", agent.name, "--keys", keys,
                         "--principal", try LocalEndpoint.address(directory: dir, name: "principal"),
                         "--history", "\(home)/history.jsonl", "--epoch-ms", "\(epochMs)", "--watchdog-fd", "0", "--seed", "\(seed)"]
        if let durationMs { arguments += ["--duration-ms", "\(durationMs)"] }
        let pid = try children.start("agent:\(agent.name)", executable: agentBinary, arguments: arguments, log: "\(home)/agent.log")
        agents.append(ClusterFile.Agent(name: agent.name, pid: pid))
    }
    return agents
}

/// What `launch` started.
struct Launched {
    let topology: Topology
    let file: ClusterFile
    let running: RunningCluster
    /// Starts one node again (after a kill), with the command line it was launched with.
    let restart: @Sendable (String) throws -> Int32
}

/// Creates the keys, starts every node of the topology, waits (at most 30 s) until every
/// node answers a status query, and then writes cluster.json.
func launch(topology path: String, into dir: String, logLevel: String, children: ChildProcesses) async throws -> Launched {
    let topologyPath = URL(fileURLWithPath: path).standardizedFileURL.path
    let topology = try Topology.load(topologyPath)
    let root = URL(fileURLWithPath: dir).standardizedFileURL.path
    let keys = "\(root)/keys"
    try FileManager.default.createDirectory(atPath: "\(root)/nodes", withIntermediateDirectories: true)
    try ClusterKeys.generate(for: topology, into: keys)
    let nodeBinary = "\(ChildProcesses.executableDirectory)/warrant-node"
    guard FileManager.default.isExecutableFile(atPath: nodeBinary) else {
        throw CoordinatorError(.launch, "\(nodeBinary) is missing: build it first (swift build --product warrant-node)")
    }
    let start: @Sendable (String) throws -> Int32 = { name in
        let data = "\(root)/nodes/\(name)"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let spec = topology.node(named: name)
        let bugs = (spec?.sabotage.flatMap { ["--sabotage", $0] } ?? []) + (spec?.byzantine.flatMap { ["--byzantine", $0] } ?? [])
        return try children.start(name, executable: nodeBinary,
                                  arguments: ["--topology", topologyPath, "--id", name, "--data", data, "--keys", keys,
                                              "--watchdog-fd", "0", "--log-level", logLevel] + bugs,
                                  log: "\(data)/node.log")
    }
    var nodes: [ClusterFile.Node] = []
    for node in topology.nodes {
        let data = "\(root)/nodes/\(node.name)"
        let pid = try start(node.name)
        nodes.append(ClusterFile.Node(name: node.name, pid: pid, client: node.client,
                                      peer: node.peerListen.values.sorted().first ?? node.client, commits: node.commits,
                                      control: node.control, data: data))
    }
    let file = ClusterFile(nodes: nodes, agents: [], coordinatorKey: "\(keys)/\(ClusterKeys.coordinatorName).key",
                           topology: topologyPath, keys: keys)
    let running = try RunningCluster(file: file)
    let deadline = Date().addingTimeInterval(30)
    while true {
        let statuses = await running.statuses(timeout: .seconds(1))
        if statuses.allSatisfy({ $0.status != nil }) { break }
        for node in topology.nodes where !children.isRunning(node.name) {
            let log = "\(root)/nodes/\(node.name)/node.log"
            throw CoordinatorError(.launch, "\(node.name) exited at start: \(ChildProcesses.lastError(inLog: log) ?? "no reason logged"); see \(log)")
        }
        guard Date() < deadline else {
            throw CoordinatorError(.launch, "not every node answered within 30 s: \(statuses.filter { $0.status == nil }.map(\.node))")
        }
        try await Task.sleep(for: .milliseconds(200))
    }
    // Written once every node answers, so that a command that finds it can use it.
    try file.write(to: root)
    return Launched(topology: topology, file: file, running: running, restart: start)
}

/// Prints a line at once, unbuffered, so status lines reach a file or pipe as they happen.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// The `up` process's own endpoint (`ipc://DIR/coordinator.sock`, or its short stand-in:
/// `LocalEndpoint`), through which the fault
/// scripts kill and restart nodes: the restarted node is again this process's child and
/// dies with it. Lines: `kill NAME`, `restart NAME`; answers `ok …` or an error.
final class ChildOwner: Sendable {
    let server: ReplyServer
    let task: Task<Void, Never>

    init(directory: String, children: ChildProcesses, restart: @escaping @Sendable (String) throws -> Int32) throws {
        server = try ReplyServer(listening: LocalEndpoint.address(directory: directory, name: "coordinator"), maxMessageBytes: 4_096)
        let server = self.server
        task = Task {
            for await request in server.requests {
                let words = String(decoding: request.bytes, as: UTF8.self).split(separator: " ").map(String.init)
                var answer = "usage: kill NAME | restart NAME"
                if words.count == 2 {
                    let name = words[1]
                    switch words[0] {
                    case "kill":
                        children.killNow(name)
                        answer = "ok killed \(name)"
                    case "restart":
                        if children.isRunning(name) {
                            answer = "\(name) is running"
                        } else if let pid = try? restart(name) {
                            // A node that dies at once (its port taken, its database unreadable) was not restarted.
                            if let death = await children.startupFailure(of: name, data: "\(directory)/nodes/\(name)", cluster: try? RunningCluster(directory: directory)) {
                                answer = "could not restart \(name): \(death)"
                            } else {
                                answer = "ok restarted \(name) (pid \(pid))"
                                if var file = try? ClusterFile.read(from: directory), let index = file.nodes.firstIndex(where: { $0.name == name }) {
                                    file.nodes[index].pid = pid
                                    try? file.write(to: directory)
                                }
                            }
                        } else {
                            answer = "could not restart \(name); see \(directory)/nodes/\(name)/node.log"
                        }
                    default: break
                    }
                }
                try? await request.reply(Array(answer.utf8))
            }
        }
    }
}
