import Foundation
import WarrantTopology
import WarrantTransport

/// Starts every agent of the topology as a child process (dying with the coordinator),
/// each with its own log and history under DIR/agents/NAME/.
public func startAgents(_ topology: Topology, dir: String, keys: String, epochMs: UInt64, seed: UInt64, durationMs: UInt64?,
                 children: ChildProcesses) throws -> [ClusterFile.Agent] {
    let agentBinary = "\(ChildProcesses.executableDirectory)/warrant-agent"
    guard topology.agents.isEmpty || FileManager.default.isExecutableFile(atPath: agentBinary) else {
        throw CoordinatorError(.launch, "\(agentBinary) is missing: build it first (swift build --product warrant-agent)")
    }
    var agents: [ClusterFile.Agent] = []
    for agent in topology.agents where agent.behaviour != .external {
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
public struct Launched: Sendable {
    public let topology: Topology
    public let file: ClusterFile
    public let running: RunningCluster
    /// Starts one node again (after a kill), with the command line it was launched with.
    public let restart: @Sendable (String) throws -> Int32
}

/// Creates the keys, starts every node of the topology, waits (at most 30 s) until every
/// node answers a status query and (at most 10 s more) reports itself fresh with its clock
/// vouched for, and then writes cluster.json.
public func launch(topology path: String, into dir: String, logLevel: String, children: ChildProcesses) async throws -> Launched {
    let topologyPath = URL(fileURLWithPath: path).standardizedFileURL.path
    let topology = try Topology.load(topologyPath)
    let root = URL(fileURLWithPath: dir).standardizedFileURL.path
    let keys = "\(root)/keys"
    try FileManager.default.createDirectory(atPath: "\(root)/nodes", withIntermediateDirectories: true)
    // Link faults an earlier cluster in this directory left in force are not this one's.
    try? FileManager.default.removeItem(atPath: ClusterControl.faultsFile(in: root))
    try ClusterKeys.generate(for: topology, into: keys)
    let nodeBinary = "\(ChildProcesses.executableDirectory)/warrant-node"
    guard FileManager.default.isExecutableFile(atPath: nodeBinary) else {
        throw CoordinatorError(.launch, "\(nodeBinary) is missing: build it first (swift build --product warrant-node)")
    }
    if topology.nodes.contains(where: { $0.diskMb != nil }) {
        DiskFaults.sweep()
        // Mounts must not outlive this process, however it ends (`up` dies on a signal).
        try Reaper.start(owner: getpid(), log: "\(root)/reaper.log")
    }
    let start: @Sendable (String) throws -> Int32 = { name in
        let data = "\(root)/nodes/\(name)"
        try FileManager.default.createDirectory(atPath: data, withIntermediateDirectories: true)
        let spec = topology.node(named: name)
        var bugs = (spec?.sabotage.flatMap { ["--sabotage", $0.rawValue] } ?? []) + (spec?.byzantine.flatMap { ["--byzantine", $0.rawValue] } ?? [])
            + (spec?.metricsPort.map { ["--metrics-port", "\($0)"] } ?? [])
        if let megabytes = spec?.diskMb {
            try DiskFaults.mount(data: data, node: name, megabytes: megabytes)
            bugs += ["--database", "\(DiskFaults.mountPoint(data: data))/node.sqlite"]
        }
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
                                      control: node.control, data: data,
                                      metrics: node.metricsPort.map { "http://\(node.hostForURL):\($0)/metrics" },
                                      database: node.diskMb.map { _ in "\(DiskFaults.mountPoint(data: data))/node.sqlite" }))
    }
    let file = ClusterFile(nodes: nodes, agents: [], coordinatorKey: "\(keys)/\(ClusterKeys.coordinatorName).key",
                           topology: topologyPath, keys: keys, netns: children.netns)
    let running = try RunningCluster(file: file)
    let deadline = Date().addingTimeInterval(30)
    var answeredAt: Date?
    while true {
        let statuses = await running.statuses(timeout: .seconds(1))
        if statuses.allSatisfy({ $0.status != nil }) {
            // Then until each has heard a quorum and has its clock vouched for (rule 4), so
            // that a run's first probes are not denied for a start that is still going on —
            // for at most 10 s (a node that cannot get there is the run's to show).
            answeredAt = answeredAt ?? Date()
            if statuses.allSatisfy({ $0.status!.fresh && $0.status!.clockVouched }) || Date().timeIntervalSince(answeredAt!) > 10 { break }
        }
        for node in topology.nodes where !children.isRunning(node.name) {
            let log = "\(root)/nodes/\(node.name)/node.log"
            throw CoordinatorError(.launch, "\(node.name) exited at start: \(ChildProcesses.lastError(inLog: log) ?? "no reason logged"); see \(log)")
        }
        guard Date() < deadline || answeredAt.map({ Date().timeIntervalSince($0) <= 10 }) == true else {
            throw CoordinatorError(.launch, "not every node answered within 30 s: \(statuses.filter { $0.status == nil }.map(\.node))")
        }
        try await Task.sleep(for: .milliseconds(200))
    }
    // Written once every node answers, so that a command that finds it can use it.
    try file.write(to: root)
    return Launched(topology: topology, file: file, running: running, restart: start)
}

/// The `up` process's own endpoint (`ipc://DIR/coordinator.sock`, or its short stand-in:
/// `LocalEndpoint`), through which the fault
/// scripts kill and restart nodes: the restarted node is again this process's child and
/// dies with it. Lines: `kill NAME`, `restart NAME`; answers `ok …` or an error.
public final class ChildOwner: Sendable {
    let server: ReplyServer
    let task: Task<Void, Never>

    public init(directory: String, children: ChildProcesses, restart: @escaping @Sendable (String) throws -> Int32) throws {
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
                try? request.reply(Array(answer.utf8))
            }
        }
    }
}
